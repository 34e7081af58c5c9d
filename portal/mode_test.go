package portal

import (
	"context"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// modeHolder is a ModeSwitch in memory.
type modeHolder struct {
	mu   sync.Mutex
	mode string
	by   []string
}

func (m *modeHolder) Mode() string { m.mu.Lock(); defer m.mu.Unlock(); return m.mode }

func (m *modeHolder) SetMode(_ context.Context, mode, user string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.mode, m.by = mode, append(m.by, user+":"+mode)
	return nil
}

func TestAnAdminSwitchesTheStoreLiveAndBack(t *testing.T) {
	t.Parallel()
	m := &modeHolder{mode: "test"}
	f := newFixture(t, func(d *Deps) { d.Stores[0].ModeSwitch = m })

	op := login(t, f.srv, "operator")
	page := op.get("/feeds").Body.String()
	require.Contains(t, page, "The store is in <strong>test</strong> mode")
	require.NotContains(t, page, `id="go-live"`, "only an admin is offered the switch")

	admin := login(t, f.srv, "admin")
	page = admin.get("/feeds").Body.String()
	require.Contains(t, page, `href="/mode?to=live" id="go-live"`)
	require.Contains(t, admin.get("/mode?to=live").Body.String(), "Switch to live mode?")
	require.Equal(t, http.StatusBadRequest, admin.get("/mode?to=production").Code)

	rec := admin.submit("/mode", url.Values{"mode": {"live"}})
	require.Equal(t, http.StatusSeeOther, rec.Code)
	require.Equal(t, "live", m.Mode())
	page = admin.get("/feeds").Body.String()
	require.Contains(t, page, "Live mode: shipments and stock are sent to Shopify from their next run.")
	require.NotContains(t, page, "test mode</span>", "the test-mode badge is gone")

	require.Equal(t, http.StatusSeeOther, admin.submit("/mode", url.Values{"mode": {"test"}}).Code)
	require.Equal(t, []string{userFor("admin") + ":live", userFor("admin") + ":test"}, m.by)
	require.Equal(t, http.StatusBadRequest, admin.submit("/mode", url.Values{"mode": {"loud"}}).Code)
}
