package portal

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/webhooks"
)

type fakeWebhookHealth func(ctx context.Context) (webhooks.Health, error)

func (f fakeWebhookHealth) WebhookHealth(ctx context.Context) (webhooks.Health, error) {
	return f(ctx)
}

type fakePrivacy func(ctx context.Context) ([]erp.Redaction, error)

func (f fakePrivacy) Redactions(ctx context.Context) ([]erp.Redaction, error) { return f(ctx) }

func TestTheWebhookReceiverIsOutsideTheLoginAndNothingElseIs(t *testing.T) {
	t.Parallel()
	var got []byte
	receiver := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, _ = io.ReadAll(r.Body)
		w.WriteHeader(http.StatusOK)
	})
	f := newFixture(t, func(d *Deps) {
		d.Webhooks = receiver
		d.Stores[0].Privacy = fakePrivacy(func(context.Context) ([]erp.Redaction, error) { return nil, nil })
	})

	req := httptest.NewRequest(http.MethodPost, webhooks.Path, strings.NewReader(`{"id":1}`))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	f.srv.ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code, "no session, no CSRF token: Shopify has neither")
	require.Equal(t, `{"id":1}`, string(got))

	rec = httptest.NewRecorder()
	f.srv.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, webhooks.Path, bytes.NewReader(bytes.Repeat([]byte("x"), 10<<20))))
	require.Equal(t, http.StatusRequestEntityTooLarge, rec.Code, "the portal's body limit holds here too")

	anon := newClient(t, f.srv)
	for _, path := range []string{"/privacy", "/feeds", "/webhooks"} {
		rec := anon.get(path)
		require.NotEqual(t, http.StatusOK, rec.Code, "%s needs a login", path)
	}
	rec = anon.post("/feeds/orders/run", nil)
	require.NotEqual(t, http.StatusOK, rec.Code)
}

func TestTheFeedsPageSaysWhetherWebhooksFlow(t *testing.T) {
	t.Parallel()
	last := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	f := newFixture(t, func(d *Deps) {
		d.Stores[0].Webhooks = fakeWebhookHealth(func(context.Context) (webhooks.Health, error) {
			return webhooks.Health{Shop: testShop, State: webhooks.StateStopped, Missed: 3,
				Message: "Webhooks have stopped: none about an order since 2026-11-20T08:00:00Z.",
				Topics: []webhooks.TopicHealth{
					{Topic: "orders/paid", Handled: true, LastReceived: last, Received: 12, Duplicates: 2},
					{Topic: "products/update", LastReceived: last, Received: 1},
				},
				Backlog: erp.WebhookBacklog{Pending: 4, Failed: 1}}, nil
		})
	})
	c := login(t, f.srv, "viewer")
	rec := c.get("/feeds")
	require.Equal(t, http.StatusOK, rec.Code)
	b := rec.Body.String()
	for _, want := range []string{
		`<div class="webhooks" data-webhooks="stopped" id="webhooks-acme">`,
		`<p class="flash bad" role="status">Webhooks have stopped: none about an order since 2026-11-20T08:00:00Z.</p>`,
		`<tr data-topic="orders/paid"><td>orders/paid</td><td class="small">2026-11-20 08:00:00 UTC</td><td class="num">12</td><td class="num">2</td>`,
		`<td class="small muted">ignored</td>`,
		"4 waiting, 0 being worked, 1 failed",
	} {
		require.Contains(t, b, want)
	}
}

func TestThePrivacyPageShowsWhatWasRemovedWhen(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	f := newFixture(t, func(d *Deps) {
		d.Stores[0].Privacy = fakePrivacy(func(context.Context) ([]erp.Redaction, error) {
			return []erp.Redaction{
				{ID: 2, Shop: testShop, Topic: "customers/redact", CustomerID: 207119551, OrderIDs: []int64{1001, 1002},
					Entries: 2, Deliveries: 3, ReceivedAt: at, DoneAt: at.Add(time.Second)},
				{ID: 1, Shop: testShop, Topic: "customers/data_request", CustomerID: 207119551, RequestID: "9999", ReceivedAt: at.Add(-time.Hour),
					DoneAt: at.Add(-time.Hour)},
			}, nil
		})
	})
	c := login(t, f.srv, "viewer")
	rec := c.get("/privacy")
	require.Equal(t, http.StatusOK, rec.Code)
	b := rec.Body.String()
	for _, want := range []string{
		`<tr data-redaction-id="2">`, "remove a customer's data", "<td>207119551</td>",
		`<a href="/orders/1001">1001</a>, <a href="/orders/1002">1002</a>`, `<td class="num">2</td><td class="num">3</td>`,
		"2026-11-20 08:00:01 UTC", "a customer asks for their data (request 9999)",
	} {
		require.Contains(t, b, want)
	}
}

func TestWebhookHealthAndPrivacyRequestsFollowTheStoreSwitcher(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	require.NoError(t, err)
	health := func(shop, state, msg string) WebhookHealth {
		return fakeWebhookHealth(func(context.Context) (webhooks.Health, error) {
			return webhooks.Health{Shop: shop, State: state, Message: msg}, nil
		})
	}
	privacy := func(shop string, customer int64) Privacy {
		return fakePrivacy(func(context.Context) ([]erp.Redaction, error) {
			return []erp.Redaction{{ID: customer, Shop: shop, Topic: "customers/redact", CustomerID: customer, ReceivedAt: at, DoneAt: at}}, nil
		})
	}
	f := newFixture(t, func(d *Deps) {
		d.Stores[0].Webhooks = health(testShop, webhooks.StateFlowing, "Webhooks are flowing.")
		d.Stores[0].Privacy = privacy(testShop, 111)
		d.Stores = append(d.Stores, Store{Shop: otherShop, Mode: "live", Location: tokyo,
			Webhooks: health(otherShop, webhooks.StateUninstalled, "The app was uninstalled from the shop."),
			Privacy:  privacy(otherShop, 222)})
	})
	op := login(t, f.srv, "operator")
	page := op.get("/feeds").Body.String()
	require.Contains(t, page, `data-webhooks="flowing" id="webhooks-acme"`)
	require.NotContains(t, page, "webhooks-globex")
	page = op.get("/privacy").Body.String()
	require.Contains(t, page, "<td>111</td>")
	require.NotContains(t, page, "<td>222</td>")

	rec := op.get("/store?store=globex&back=/privacy")
	require.Equal(t, "/privacy", rec.Header().Get("Location"), "the switcher stays on the privacy page")
	page = op.get("/privacy").Body.String()
	require.Contains(t, page, "<td>222</td>", "globex's requests")
	require.NotContains(t, page, "<td>111</td>")
	require.Contains(t, page, "2026-11-20 17:00:00 JST", "on globex's clock")
	page = op.get("/feeds").Body.String()
	require.Contains(t, page, `data-webhooks="uninstalled" id="webhooks-globex"`)
	require.Contains(t, page, "The app was uninstalled from the shop.", "the notice is globex's")
	require.NotContains(t, page, "webhooks-acme")
}
