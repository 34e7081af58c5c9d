package portal

import (
	"context"
	"fmt"
	"time"

	"github.com/passthrough-dev/passthrough/adapters/erp"
)

// AlertDigests reads what the stores' alert digests have told (erp.Alerts), for the
// health panel's line on them.
type AlertDigests interface {
	AlertDigestList(ctx context.Context) ([]erp.AlertDigest, error)
}

// alertsCheck is the health panel's line for the store's alert digests: when the last
// went out, or why the last could not.
func (s *Server) alertsCheck(ctx context.Context, st *Store, now time.Time) HealthCheck {
	c := HealthCheck{Name: "Alert digests", Status: "good"}
	ds, err := st.Alerts.AlertDigestList(ctx)
	if err != nil {
		s.log.Warn("health: read the alert digests", "err", err)
		c.Status, c.Value = "unknown", "could not be read (it has been logged)"
		return c
	}
	var d erp.AlertDigest
	for _, x := range ds {
		if x.Shop == st.Shop {
			d = x
		}
	}
	fix := "Check the store's alerts block: the mail server, its user, the webhook's address. The next digest tells everything the missed ones would have."
	switch {
	case d.Failures > 0:
		c.Status, c.Fix = "bad", fix
		c.Value = fmt.Sprintf("the last could not be sent, %s ago (%s): %s", roundAgo(now.Sub(d.FailedAt)), attempts(d.Failures), d.Error)
	case d.SentAt.IsZero():
		c.Value = "none sent yet: nothing to tell since alerts were switched on"
	case d.Error != "":
		c.Status, c.Fix = "warn", fix
		c.Value = fmt.Sprintf("the last went out %s ago, telling %d things, but not to every receiver: %s", roundAgo(now.Sub(d.SentAt)), d.Items, d.Error)
	default:
		c.Value = fmt.Sprintf("the last went out %s ago, telling %d things", roundAgo(now.Sub(d.SentAt)), d.Items)
	}
	return c
}

func attempts(n int) string {
	if n == 1 {
		return "1 attempt"
	}
	return fmt.Sprintf("%d attempts", n)
}
