package portal

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/erp"
)

func TestTheHealthPanelSaysWhenTheLastAlertDigestWentOut(t *testing.T) {
	t.Parallel()
	withAlerts := func(d *Deps) { d.Stores[0].Alerts = d.Ledger.(AlertDigests) }
	claim := func(t *testing.T, f *fixture, token string, at time.Time) {
		_, ok, err := f.store.AlertDigestClaim(t.Context(), erp.AlertDigestClaimParams{Shop: testShop, Token: token, At: at,
			Every: 15 * time.Minute, Lease: time.Minute, Start: at.Add(-15 * time.Minute)})
		require.NoError(t, err)
		require.True(t, ok)
	}
	line := func(status, value string) string {
		return `Alert digests</th><td><span class="badge ` + status + `">` + status + `</span></td><td>` + value
	}

	t.Run("a store without alerts has no line", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, nil)
		require.NotContains(t, login(t, f.srv, "viewer").get("/health").Body.String(), "Alert digests")
	})
	t.Run("before the first digest there was nothing to tell", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, withAlerts)
		require.Contains(t, login(t, f.srv, "viewer").get("/health").Body.String(), line("good", "none sent yet: nothing to tell since alerts were switched on"))
	})
	t.Run("a digest that went out says when and how much it told", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, withAlerts)
		at := f.clock.Now().Add(-5 * time.Minute)
		claim(t, f, "a", at)
		require.NoError(t, f.store.AlertDigestSent(t.Context(), erp.AlertDigestSentParams{Shop: testShop, Token: "a", At: at, Through: at, Items: 4}))
		require.Contains(t, login(t, f.srv, "viewer").get("/health").Body.String(), line("good", "the last went out 5 min ago, telling 4 things"))
	})
	t.Run("a digest that could not be sent is bad, with what to check", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, withAlerts)
		at := f.clock.Now().Add(-2 * time.Minute)
		claim(t, f, "a", at)
		require.NoError(t, f.store.AlertDigestFailed(t.Context(), erp.AlertDigestFailedParams{Shop: testShop, Token: "a", At: at,
			Error: "send the e-mail: authenticate: 535 5.7.8 bad credentials"}))
		b := login(t, f.srv, "viewer").get("/health").Body.String()
		require.Contains(t, b, line("bad", "the last could not be sent, 2 min ago (1 attempt): send the e-mail: authenticate: 535 5.7.8 bad credentials"))
		require.Contains(t, b, "Check the store&#39;s alerts block")
	})
}
