package erptest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/ledger"
)

// delivery is a stored-shape webhook delivery of an order.
func delivery(shop, webhookID, topic string, orderID int64, at time.Time) erp.WebhookDelivery {
	return erp.WebhookDelivery{Shop: shop, WebhookID: webhookID, EventID: "ev-" + webhookID, Topic: topic, APIVersion: "2026-07",
		OrderID: orderID, TriggeredAt: at.Add(-time.Second), ReceivedAt: at,
		Body: json.RawMessage(fmt.Sprintf(`{"id":%d,"email":"buyer%d@example.com"}`, orderID, orderID))}
}

func runWebhooks(t *testing.T, open Opener) {
	at := mustTime("2026-11-22T10:00:00.250Z")

	t.Run("a delivery is stored once however often it comes", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		d := delivery("acme", "b54557e4-6e4a", "orders/paid", 450789469, at)
		first, err := b.store.WebhookReceive(b.ctx, d)
		require.NoError(t, err)
		require.NotZero(t, first.ID)
		require.False(t, first.Duplicate)

		d.ReceivedAt = at.Add(time.Minute) // Shopify's retry of the same delivery
		again, err := b.store.WebhookReceive(b.ctx, d)
		require.NoError(t, err)
		require.Equal(t, erp.WebhookReceipt{ID: first.ID, Duplicate: true}, again)
		require.Equal(t, 1, b.count(t, "SELECT COUNT(*) FROM pt_webhook_deliveries"))

		other := delivery("other", "b54557e4-6e4a", "orders/paid", 450789469, at)
		o, err := b.store.WebhookReceive(b.ctx, other)
		require.NoError(t, err)
		require.False(t, o.Duplicate, "webhook ids are a shop's own")

		topics, err := b.store.WebhookTopicList(b.ctx, "acme")
		require.NoError(t, err)
		require.Equal(t, []erp.WebhookTopic{{Topic: "orders/paid", LastReceived: at.Add(time.Minute), Received: 1, Duplicates: 1}}, topics)

		rows := b.rows(t, "SELECT state, order_id, topic, event_id, api_version, body FROM pt_webhook_deliveries WHERE id = ?1", first.ID)
		require.Len(t, rows, 1)
		require.Equal(t, erp.WebhookPending, str(rows[0]["state"]))
		require.EqualValues(t, 450789469, integer(t, rows[0]["order_id"]))
		require.Equal(t, "ev-b54557e4-6e4a", str(rows[0]["event_id"]))
		require.Equal(t, "2026-07", str(rows[0]["api_version"]))
		require.JSONEq(t, string(d.Body), str(rows[0]["body"]))
	})

	t.Run("a delivery without its shop, webhook id, topic or body is refused", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		good := delivery("acme", "w-1", "orders/paid", 1, at)
		for name, mod := range map[string]func(d *erp.WebhookDelivery){
			"no shop":                   func(d *erp.WebhookDelivery) { d.Shop = "" },
			"no webhook id":             func(d *erp.WebhookDelivery) { d.WebhookID = "" },
			"no topic":                  func(d *erp.WebhookDelivery) { d.Topic = "" },
			"no body":                   func(d *erp.WebhookDelivery) { d.Body = nil },
			"a webhook id of 101 runes": func(d *erp.WebhookDelivery) { d.WebhookID = strings.Repeat("é", 101) },
		} {
			d := good
			mod(&d)
			_, err := b.store.WebhookReceive(b.ctx, d)
			require.ErrorIs(t, err, erp.ErrInvalidValue, name)
		}
		require.Zero(t, b.count(t, "SELECT COUNT(*) FROM pt_webhook_deliveries"))
	})

	t.Run("a delivery of a topic not handled is counted and not stored", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		require.NoError(t, b.store.WebhookIgnore(b.ctx, "acme", "products/update", at))
		require.NoError(t, b.store.WebhookIgnore(b.ctx, "acme", "products/update", at.Add(time.Second)))
		topics, err := b.store.WebhookTopicList(b.ctx, "acme")
		require.NoError(t, err)
		require.Equal(t, []erp.WebhookTopic{{Topic: "products/update", LastReceived: at.Add(time.Second), Received: 2}}, topics)
		require.Zero(t, b.count(t, "SELECT COUNT(*) FROM pt_webhook_deliveries"))
		require.ErrorIs(t, b.store.WebhookIgnore(b.ctx, "acme", "", at), erp.ErrInvalidValue)
	})

	t.Run("a claim takes due deliveries oldest first, and only once", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		var ids []int64
		for i := range 3 {
			r, err := b.store.WebhookReceive(b.ctx, delivery("acme", fmt.Sprintf("w-%d", i), "orders/paid", int64(100+i), at))
			require.NoError(t, err)
			ids = append(ids, r.ID)
		}
		now := at.Add(time.Second)
		got, err := b.store.WebhookClaim(b.ctx, erp.WebhookClaimParams{Worker: "one", Limit: 2, Now: now, Until: now.Add(time.Minute)})
		require.NoError(t, err)
		require.Equal(t, ids[:2], deliveryIDs(got))
		require.Equal(t, erp.WebhookWorking, got[0].State)
		require.Equal(t, "one", got[0].ClaimedBy)
		require.Equal(t, 1, got[0].Attempts)
		require.Equal(t, now.Add(time.Minute), got[0].DueAt)
		require.Equal(t, delivery("acme", "w-0", "orders/paid", 100, at).Body, got[0].Body)
		require.Equal(t, at.Add(-time.Second), got[0].TriggeredAt)

		rest, err := b.store.WebhookClaim(b.ctx, erp.WebhookClaimParams{Worker: "two", Now: now, Until: now.Add(time.Minute)})
		require.NoError(t, err)
		require.Equal(t, ids[2:], deliveryIDs(rest))
		none, err := b.store.WebhookClaim(b.ctx, erp.WebhookClaimParams{Worker: "two", Now: now, Until: now.Add(time.Minute)})
		require.NoError(t, err)
		require.Empty(t, none)

		require.ErrorIs(t, b.store.WebhookFinish(b.ctx, erp.WebhookFinishParams{ID: ids[0], Worker: "two", State: erp.WebhookDone, At: now}),
			erp.ErrNotFound, "only the worker holding a delivery finishes it")
		require.NoError(t, b.store.WebhookFinish(b.ctx, erp.WebhookFinishParams{ID: ids[0], Worker: "one", State: erp.WebhookDone, At: now}))
		row := b.rows(t, "SELECT state, body FROM pt_webhook_deliveries WHERE id = ?1", ids[0])[0]
		require.Equal(t, erp.WebhookDone, str(row["state"]))
		require.Nil(t, row["body"], "a delivery done keeps no body")
		require.ErrorIs(t, b.store.WebhookFinish(b.ctx, erp.WebhookFinishParams{ID: ids[0], Worker: "one", State: erp.WebhookDone, At: now}),
			erp.ErrNotFound, "a delivery is finished once")
	})

	t.Run("one order's deliveries go to one worker at a time, in the order they came", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		var ids []int64
		for i, order := range []int64{7, 7, 8, 7} {
			r, err := b.store.WebhookReceive(b.ctx, delivery("acme", fmt.Sprintf("w-%d", i), "orders/updated", order, at))
			require.NoError(t, err)
			ids = append(ids, r.ID)
		}
		now := at.Add(time.Second)
		claim := func(worker string, limit int) []int64 {
			got, err := b.store.WebhookClaim(b.ctx, erp.WebhookClaimParams{Worker: worker, Limit: limit, Now: now, Until: now.Add(time.Minute)})
			require.NoError(t, err)
			return deliveryIDs(got)
		}
		require.Equal(t, ids[:1], claim("one", 1))
		require.Equal(t, ids[2:3], claim("two", 5), "order 7 is being worked: only order 8's delivery is free")
		require.Empty(t, claim("three", 5))
		require.NoError(t, b.store.WebhookFinish(b.ctx, erp.WebhookFinishParams{ID: ids[0], Worker: "one", State: erp.WebhookDone, At: now}))
		require.Equal(t, []int64{ids[1], ids[3]}, claim("three", 5), "the rest of order 7 goes to one worker, oldest first")
	})

	t.Run("a lapsed claim is taken again and its first worker can no longer finish it", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		r, err := b.store.WebhookReceive(b.ctx, delivery("acme", "w-1", "orders/paid", 9, at))
		require.NoError(t, err)
		now := at.Add(time.Second)
		_, err = b.store.WebhookClaim(b.ctx, erp.WebhookClaimParams{Worker: "died", Now: now, Until: now.Add(time.Minute)})
		require.NoError(t, err)
		later := now.Add(2 * time.Minute)
		got, err := b.store.WebhookClaim(b.ctx, erp.WebhookClaimParams{Worker: "alive", Now: later, Until: later.Add(time.Minute)})
		require.NoError(t, err)
		require.Len(t, got, 1)
		require.Equal(t, r.ID, got[0].ID)
		require.Equal(t, 2, got[0].Attempts)
		require.ErrorIs(t, b.store.WebhookFinish(b.ctx, erp.WebhookFinishParams{ID: r.ID, Worker: "died", State: erp.WebhookDone, At: later}), erp.ErrNotFound)
		require.NoError(t, b.store.WebhookFinish(b.ctx, erp.WebhookFinishParams{ID: r.ID, Worker: "alive", State: erp.WebhookDone, At: later}))
	})

	t.Run("a delivery tried again waits for its time, and the backlog says why", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		r, err := b.store.WebhookReceive(b.ctx, delivery("acme", "w-1", "orders/paid", 9, at))
		require.NoError(t, err)
		_, err = b.store.WebhookReceive(b.ctx, delivery("acme", "w-2", "orders/paid", 10, at.Add(time.Second)))
		require.NoError(t, err)
		now := at.Add(2 * time.Second)
		got, err := b.store.WebhookClaim(b.ctx, erp.WebhookClaimParams{Worker: "one", Limit: 1, Now: now, Until: now.Add(time.Minute)})
		require.NoError(t, err)
		require.Equal(t, []int64{r.ID}, deliveryIDs(got))
		require.NoError(t, b.store.WebhookFinish(b.ctx, erp.WebhookFinishParams{ID: r.ID, Worker: "one", State: erp.WebhookPending,
			Error: "the database went away", At: now, RetryAt: now.Add(10 * time.Second)}))

		backlog, err := b.store.WebhookBacklog(b.ctx, "acme")
		require.NoError(t, err)
		require.Equal(t, erp.WebhookBacklog{Pending: 2, OldestPending: at, LastError: "the database went away"}, backlog)

		got, err = b.store.WebhookClaim(b.ctx, erp.WebhookClaimParams{Worker: "one", Now: now.Add(time.Second), Until: now.Add(time.Minute)})
		require.NoError(t, err)
		require.Len(t, got, 1)
		require.NotEqual(t, r.ID, got[0].ID, "the delivery tried again waits for its time")
		require.NoError(t, b.store.WebhookFinish(b.ctx, erp.WebhookFinishParams{ID: got[0].ID, Worker: "one", State: erp.WebhookFailed,
			Error: "Shopify has no order 10", At: now}))
		got, err = b.store.WebhookClaim(b.ctx, erp.WebhookClaimParams{Worker: "two", Now: now.Add(11 * time.Second), Until: now.Add(time.Minute)})
		require.NoError(t, err)
		require.Equal(t, []int64{r.ID}, deliveryIDs(got))
		require.Equal(t, "the database went away", got[0].Error)

		backlog, err = b.store.WebhookBacklog(b.ctx, "acme")
		require.NoError(t, err)
		require.Equal(t, erp.WebhookBacklog{Working: 1, Failed: 1, LastError: "Shopify has no order 10"}, backlog)
		require.ErrorIs(t, b.store.WebhookFinish(b.ctx, erp.WebhookFinishParams{ID: r.ID, Worker: "two", State: erp.WebhookPending, At: now}),
			erp.ErrInvalidValue, "a delivery tried again needs its time")
	})

	t.Run("workers claiming at once never share a delivery nor an order", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		const orders, each = 25, 4
		for i := range orders * each {
			_, err := b.store.WebhookReceive(b.ctx, delivery("acme", fmt.Sprintf("w-%03d", i), "orders/updated", int64(1+i/each), at))
			require.NoError(t, err)
		}
		var mu sync.Mutex
		finished := map[int64]int{}
		working := map[int64]string{}
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for w := range 4 {
			worker := fmt.Sprintf("worker-%d", w)
			wg.Go(func() {
				for {
					now := time.Now()
					got, err := b.store.WebhookClaim(b.ctx, erp.WebhookClaimParams{Worker: worker, Limit: 3, Now: at.Add(time.Hour),
						Until: at.Add(2 * time.Hour)})
					if err != nil {
						errs <- err
						return
					}
					if len(got) == 0 {
						return
					}
					mu.Lock()
					for _, d := range got {
						if other, ok := working[d.OrderID]; ok && other != worker {
							mu.Unlock()
							errs <- fmt.Errorf("order %d is worked by %s and %s at once", d.OrderID, other, worker)
							return
						}
						working[d.OrderID] = worker
					}
					mu.Unlock()
					time.Sleep(time.Millisecond) // the work
					// Let go of the orders while the store still holds them: another worker
					// may have them once they are finished.
					mu.Lock()
					for _, d := range got {
						finished[d.ID]++
						delete(working, d.OrderID)
					}
					mu.Unlock()
					for _, d := range got {
						if err := b.store.WebhookFinish(b.ctx, erp.WebhookFinishParams{ID: d.ID, Worker: worker, State: erp.WebhookDone, At: now}); err != nil {
							errs <- err
							return
						}
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		require.Len(t, finished, orders*each)
		for id, n := range finished {
			require.Equal(t, 1, n, "delivery %d was worked %d times", id, n)
		}
	})

	t.Run("deliveries done are pruned after a while", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		for i := range 3 {
			_, err := b.store.WebhookReceive(b.ctx, delivery("acme", fmt.Sprintf("w-%d", i), "orders/paid", int64(i+1), at))
			require.NoError(t, err)
		}
		got, err := b.store.WebhookClaim(b.ctx, erp.WebhookClaimParams{Worker: "one", Limit: 2, Now: at, Until: at.Add(time.Minute)})
		require.NoError(t, err)
		require.NoError(t, b.store.WebhookFinish(b.ctx, erp.WebhookFinishParams{ID: got[0].ID, Worker: "one", State: erp.WebhookDone, At: at}))
		require.NoError(t, b.store.WebhookFinish(b.ctx, erp.WebhookFinishParams{ID: got[1].ID, Worker: "one", State: erp.WebhookDone, At: at.Add(time.Hour)}))
		n, err := b.store.WebhookPrune(b.ctx, at.Add(time.Minute))
		require.NoError(t, err)
		require.Equal(t, 1, n)
		require.Equal(t, 2, b.count(t, "SELECT COUNT(*) FROM pt_webhook_deliveries"), "the later one and the pending one stay")
		// A retry of the pruned delivery would be stored again: pruning waits long enough
		// for Shopify to have stopped trying.
	})

	t.Run("a customer's redaction blanks the ledger entry and keeps the ERP's rows", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		p := Order("acme", 450789469, 2)
		require.NoError(t, b.store.OrderStage(b.ctx, p))
		require.NoError(t, b.store.LedgerRedact(b.ctx, erp.LedgerRedactParams{Shop: "acme", OrderID: 450789469,
			Payload: json.RawMessage(`{"id":450789469,"email":null}`), Message: "personal data removed: customers/redact"}))
		got, err := b.store.LedgerGet(b.ctx, "acme", 450789469)
		require.NoError(t, err)
		require.Empty(t, got.CustomerName)
		require.Empty(t, got.CustomerEmail)
		require.JSONEq(t, `{"id":450789469,"email":null}`, string(got.Payload))
		require.Equal(t, ledger.StatusStaged, got.Status, "the order stays where it stood")
		found, err := b.store.LedgerList(b.ctx, erp.LedgerListParams{Shop: "acme", Search: "buyer450789469@"})
		require.NoError(t, err)
		require.Empty(t, found, "the email no longer finds the order")
		events, err := b.store.LedgerEventList(b.ctx, "acme", 450789469)
		require.NoError(t, err)
		last := events[len(events)-1]
		require.Equal(t, "personal data removed: customers/redact", last.Message)
		require.Equal(t, ledger.StatusStaged, last.Status)

		require.Equal(t, "buyer450789469@example.com", str(b.header(t, "acme", 450789469)["customer_email"]),
			"the staging tables are the ERP's and keep what was staged")
		require.ErrorIs(t, b.store.LedgerRedact(b.ctx, erp.LedgerRedactParams{Shop: "acme", OrderID: 404}), erp.ErrNotFound)
	})

	t.Run("a shop's redaction blanks every entry and delivery of that shop only", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		for _, id := range []int64{1, 2, 3} {
			require.NoError(t, b.store.OrderStage(b.ctx, Order("acme", id, 1)))
		}
		require.NoError(t, b.store.OrderStage(b.ctx, Order("other", 4, 1)))
		for i, shop := range []string{"acme", "acme", "other"} {
			_, err := b.store.WebhookReceive(b.ctx, delivery(shop, fmt.Sprintf("w-%d", i), "orders/paid", int64(i+1), at))
			require.NoError(t, err)
		}
		entries, deliveries, err := b.store.ShopRedact(b.ctx, "acme")
		require.NoError(t, err)
		require.Equal(t, 3, entries)
		require.Equal(t, 2, deliveries)
		for _, id := range []int64{1, 2, 3} {
			e, err := b.store.LedgerGet(b.ctx, "acme", id)
			require.NoError(t, err)
			require.Empty(t, e.CustomerEmail)
			require.Empty(t, e.CustomerName)
			require.Nil(t, e.Payload)
		}
		kept, err := b.store.LedgerGet(b.ctx, "other", 4)
		require.NoError(t, err)
		require.NotEmpty(t, kept.CustomerEmail)
		require.Equal(t, 1, b.count(t, "SELECT COUNT(*) FROM pt_webhook_deliveries WHERE body IS NOT NULL"))
		require.Equal(t, 2, b.count(t, "SELECT COUNT(*) FROM pt_webhook_deliveries WHERE state = ?1", erp.WebhookDone),
			"deliveries not yet worked have nothing left to work")
	})

	t.Run("a redaction drops the bodies of the orders' deliveries", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		for i, order := range []int64{5, 6, 5} {
			_, err := b.store.WebhookReceive(b.ctx, delivery("acme", fmt.Sprintf("w-%d", i), "orders/paid", order, at))
			require.NoError(t, err)
		}
		got, err := b.store.WebhookClaim(b.ctx, erp.WebhookClaimParams{Worker: "one", Limit: 1, Now: at, Until: at.Add(time.Minute)})
		require.NoError(t, err)
		require.NoError(t, b.store.WebhookFinish(b.ctx, erp.WebhookFinishParams{ID: got[0].ID, Worker: "one", State: erp.WebhookFailed, Error: "x", At: at}))
		n, err := b.store.WebhookRedact(b.ctx, "acme", []int64{5})
		require.NoError(t, err)
		require.Equal(t, 2, n)
		rows := b.rows(t, "SELECT id, state, body FROM pt_webhook_deliveries ORDER BY id")
		require.Nil(t, rows[0]["body"])
		require.Equal(t, erp.WebhookFailed, str(rows[0]["state"]), "a failed delivery stays failed")
		require.NotNil(t, rows[1]["body"], "order 6 is not touched")
		require.Nil(t, rows[2]["body"])
		require.Equal(t, erp.WebhookDone, str(rows[2]["state"]))
		n, err = b.store.WebhookRedact(b.ctx, "acme", []int64{5})
		require.NoError(t, err)
		require.Zero(t, n, "nothing is left to remove")
	})

	t.Run("privacy requests are recorded, newest first", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		first := erp.Redaction{Shop: "acme", Topic: "customers/data_request", CustomerID: 207119551, OrderIDs: []int64{299938, 280263},
			RequestID: "9999", ReceivedAt: at, DoneAt: at.Add(time.Second)}
		second := erp.Redaction{Shop: "acme", Topic: "customers/redact", CustomerID: 207119551, OrderIDs: []int64{299938},
			Entries: 1, Deliveries: 2, ReceivedAt: at.Add(time.Hour), DoneAt: at.Add(time.Hour + time.Second)}
		shop := erp.Redaction{Shop: "acme", Topic: "shop/redact", Entries: 1200, ReceivedAt: at.Add(48 * time.Hour), DoneAt: at.Add(48 * time.Hour)}
		for _, r := range []erp.Redaction{first, second, shop, {Shop: "other", Topic: "shop/redact", ReceivedAt: at, DoneAt: at}} {
			require.NoError(t, b.store.RedactionAdd(b.ctx, r))
		}
		got, err := b.store.RedactionList(b.ctx, "acme", 10)
		require.NoError(t, err)
		require.Len(t, got, 3)
		for i := range got {
			require.NotZero(t, got[i].ID)
			got[i].ID = 0
		}
		require.Equal(t, []erp.Redaction{shop, second, first}, got)
		require.ErrorIs(t, b.store.RedactionAdd(b.ctx, erp.Redaction{Shop: "acme"}), erp.ErrInvalidValue)
	})
}

func deliveryIDs(ds []erp.WebhookDelivery) []int64 {
	out := make([]int64, len(ds))
	for i, d := range ds {
		out[i] = d.ID
	}
	return slices.Clip(out)
}
