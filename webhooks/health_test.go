package webhooks_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
	"github.com/passthrough-dev/passthrough/feeds"
	"github.com/passthrough-dev/passthrough/webhooks"
)

func TestCheckSaysWhetherWebhooksAreFlowing(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	type setup func(t *testing.T, w *world)
	delivered := func(at time.Time) setup {
		return func(t *testing.T, w *world) {
			_, err := w.store.WebhookReceive(t.Context(), erp.WebhookDelivery{Shop: shop, WebhookID: at.String(), Topic: "orders/paid",
				ReceivedAt: at, Body: []byte(`{"id":1}`)})
			require.NoError(t, err)
			got, err := w.store.WebhookClaim(t.Context(), erp.WebhookClaimParams{Worker: "w", Now: at, Until: at.Add(time.Minute)})
			require.NoError(t, err)
			require.NoError(t, w.store.WebhookFinish(t.Context(), erp.WebhookFinishParams{ID: got[0].ID, Worker: "w", State: erp.WebhookDone, At: at}))
		}
	}
	ran := func(at time.Time, written int) setup {
		return func(t *testing.T, w *world) {
			x, err := w.store.ExecutionStart(t.Context(), erp.ExecutionStartParams{Feed: feeds.FeedOrders, Shop: shop, Trigger: "schedule", At: at})
			require.NoError(t, err)
			require.NoError(t, w.store.ExecutionFinish(t.Context(), erp.ExecutionFinishParams{ID: x.ID, At: at.Add(time.Second),
				Outcome: erp.OutcomeFinished, Counts: erp.ExecutionCounts{Seen: written, Written: written}}))
		}
	}
	for _, tc := range []struct {
		name       string
		configured bool
		setup      []setup
		state      string
		missed     int
		message    string
	}{
		{"without a secret webhooks are off", false, nil, webhooks.StateOff, 0,
			"Webhooks are off (no webhook secret is configured): orders come with the scheduled run, every 5m0s."},
		{"configured and none came yet, they are awaited", true, []setup{ran(now.Add(-time.Hour), 3)}, webhooks.StateWaiting, 0,
			"No webhook about an order has come yet: orders come with the scheduled run, every 5m0s. Run passthrough webhooks register, then passthrough webhooks verify."},
		{"webhooks come and the run finds nothing new: flowing", true,
			[]setup{ran(now.Add(-2*time.Hour), 0), delivered(now.Add(-10 * time.Minute)), ran(now.Add(-5*time.Minute), 0)}, webhooks.StateFlowing, 0,
			"Webhooks are flowing: the last about an order came at 2026-11-22T11:50:00Z, and the scheduled run, every 5m0s, has found nothing they missed."},
		{"the run staged orders after the last webhook: stopped", true,
			[]setup{delivered(now.Add(-time.Hour)), ran(now.Add(-50*time.Minute), 2), ran(now.Add(-45*time.Minute), 1)}, webhooks.StateStopped, 3,
			"Webhooks have stopped: none about an order since 2026-11-22T11:00:00Z, and the scheduled run has staged 3 orders since. Orders come with the scheduled run, every 5m0s. Check the subscriptions with passthrough webhooks verify."},
		{"webhooks come but the run staged some they missed: missing", true,
			[]setup{ran(now.Add(-3*time.Hour), 4), delivered(now.Add(-time.Minute))}, webhooks.StateMissing, 4,
			"Webhooks are coming (the last about an order at 2026-11-22T11:59:00Z), but the scheduled run staged 4 orders in the last day that no webhook had brought: it catches what they miss."},
		{"a run just after the last webhook is not taken for a stop", true,
			[]setup{delivered(now.Add(-time.Hour)), ran(now.Add(-time.Hour+30*time.Second), 1)}, webhooks.StateMissing, 1, ""},
		{"an uninstalled app says its feeds stopped", true, []setup{func(t *testing.T, w *world) {
			require.NoError(t, w.store.SettingSet(t.Context(), webhooks.UninstalledKey(shop), "2026-11-22T10:00:00Z"))
		}}, webhooks.StateUninstalled, 0,
			"The app was uninstalled from the shop at 2026-11-22T10:00:00Z: the store's feeds are stopped. Install it again, then run passthrough webhooks register."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, shopifytest.GenOptions{Orders: 1, SKUs: 1, Seed: 1})
			for _, s := range tc.setup {
				s(t, w)
			}
			h, err := webhooks.Check(t.Context(), w.store, webhooks.CheckParams{Shop: shop, Configured: tc.configured,
				Feed: feeds.FeedOrders, Polling: 5 * time.Minute, Now: now})
			require.NoError(t, err)
			require.Equal(t, tc.state, h.State)
			require.Equal(t, tc.missed, h.Missed)
			if tc.message != "" {
				require.Equal(t, tc.message, h.Message)
			}
			require.Equal(t, tc.state == webhooks.StateStopped || tc.state == webhooks.StateWaiting || tc.state == webhooks.StateUninstalled, h.Loud())
		})
	}
}

func TestCheckListsEveryTopicWithWhenItLastCame(t *testing.T) {
	t.Parallel()
	w := newWorld(t, shopifytest.GenOptions{Orders: 1, SKUs: 1, Seed: 1})
	at := time.Date(2026, 11, 22, 11, 0, 0, 0, time.UTC)
	require.NoError(t, w.store.WebhookIgnore(t.Context(), shop, "products/update", at))
	_, err := w.store.WebhookReceive(t.Context(), erp.WebhookDelivery{Shop: shop, WebhookID: "1", Topic: "refunds/create", ReceivedAt: at, Body: []byte(`{}`)})
	require.NoError(t, err)
	h, err := webhooks.Check(t.Context(), w.store, webhooks.CheckParams{Shop: shop, Configured: true, Feed: feeds.FeedOrders, Polling: time.Minute,
		Now: at.Add(10 * time.Minute)})
	require.NoError(t, err)
	var names []string
	for _, tp := range h.Topics {
		names = append(names, tp.Topic)
		if tp.Topic == "refunds/create" {
			require.Equal(t, at, tp.LastReceived)
			require.Equal(t, 1, tp.Received)
		}
	}
	require.Equal(t, append(webhooks.Subscribed(), "products/update"), names, "every subscribed topic, then the others that came")
	require.Equal(t, at, h.LastOrderDelivery)
	require.Contains(t, h.Message, "Deliveries not worked: 1 waiting, 0 failed.", "a delivery waiting for ten minutes is said")
}
