package app_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
	"github.com/passthrough-dev/passthrough/app"
	"github.com/passthrough-dev/passthrough/config"
	"github.com/passthrough-dev/passthrough/feeds"
)

func TestTwoReplicasWithAlertsSendOneDigest(t *testing.T) {
	t.Parallel()
	a := newApp(t, shopifytest.GenOptions{Orders: 2, SKUs: 2, Seed: 15})
	var mu sync.Mutex
	var posts []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		posts = append(posts, string(b))
		mu.Unlock()
	}))
	t.Cleanup(hook.Close)

	cfg := a.Config
	cfg.Alerts.WebhookURL = config.Secret(hook.URL + "/services/T0/B0/tok3n")
	cfg.Alerts.PortalURL = "https://pt.example.com"
	require.NoError(t, cfg.Validate())
	var replicas []*app.App
	for range 2 {
		r, err := app.New(t.Context(), cfg, app.Options{Store: a.store, Logger: slog.New(slog.NewTextHandler(t.Output(), nil))})
		require.NoError(t, err)
		t.Cleanup(func() { r.Close() })
		replicas = append(replicas, r)
	}
	var task *feeds.TaskStatus
	for _, st := range replicas[0].Scheduler.Status() {
		if st.Name == app.TaskAlerts {
			task = &st
		}
	}
	require.NotNil(t, task, "a store with alerts has the alerts task")
	require.Equal(t, "every 1m0s", task.Schedule, "each process asks every minute; the database says when a digest is due")

	x, err := a.Store.ExecutionStart(t.Context(), erp.ExecutionStartParams{Feed: feeds.FeedOrders, Shop: "acme", Trigger: "schedule",
		At: time.Now().Add(-3 * time.Minute)})
	require.NoError(t, err)
	require.NoError(t, a.Store.ExecutionFinish(t.Context(), erp.ExecutionFinishParams{ID: x.ID, At: time.Now().Add(-2 * time.Minute),
		Outcome: erp.OutcomeFailed, Error: "read orders: Shopify answered 503"}))

	for _, r := range replicas {
		err := r.Scheduler.RunNow("acme", app.TaskAlerts)
		if err != nil {
			require.ErrorIs(t, err, feeds.ErrAlreadyRunning, "the other replica holds the task's lock")
		}
	}
	digest := func() erp.AlertDigest {
		ds, err := a.Store.AlertDigestList(t.Context())
		require.NoError(t, err)
		if len(ds) == 0 {
			return erp.AlertDigest{}
		}
		return ds[0]
	}
	require.Eventually(t, func() bool { return !digest().SentAt.IsZero() }, 20*time.Second, 20*time.Millisecond)
	for _, r := range replicas {
		require.Eventually(t, func() bool { return !running(r) }, 20*time.Second, 20*time.Millisecond)
		if err := r.Scheduler.RunNow("acme", app.TaskAlerts); err == nil { // again: not due
			require.Eventually(t, func() bool { return !running(r) }, 20*time.Second, 20*time.Millisecond)
		}
	}

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, posts, 1)
	var msg struct{ Text string }
	require.NoError(t, json.Unmarshal([]byte(posts[0]), &msg))
	require.Contains(t, msg.Text, "*passthrough acme: 1 failed run, 1 stale feed*", "orders ran once and failed: stale too")
	require.Contains(t, msg.Text, "read orders: Shopify answered 503")
	require.Equal(t, 2, digest().Items)

	health := signInto(t, &testApp{App: replicas[1]}, "olga", "olga-secret").get("/health")
	require.Regexp(t, `Alert digests.*the last went out \d+s ago, telling 2 things`, health)
	require.NotContains(t, health, "tok3n", "the webhook's address carries its token")
}

func running(a *app.App) bool {
	for _, st := range a.Scheduler.Status() {
		if st.Name == app.TaskAlerts {
			return st.Running
		}
	}
	return false
}
