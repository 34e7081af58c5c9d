package erptest

import (
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
)

func runLedger(t *testing.T, open Opener) {
	t.Run("a ledger entry round trips", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		in := erp.LedgerEntry{
			Shop: "acme", OrderID: 820982911946154508, OrderName: "#1001", OrderDate: mustTime("2026-11-20T14:03:09.250Z"),
			CustomerName: "Bob Norman", CustomerEmail: "Bob@Example.com", Total: decimal.RequireFromString("199.65"),
			Currency: "EUR", Status: erp.StatusWaiting, Severity: passthrough.SeverityRetry, Problem: "not paid yet",
			Attempts: 3, Payload: []byte(`{"id":820982911946154508}`), PayloadHash: "sha256:abc",
			ShopifyUpdatedAt: mustTime("2026-11-21T08:00:00Z"), RunID: 42,
		}
		require.NoError(t, b.store.LedgerPut(b.ctx, in))
		got, err := b.store.LedgerGet(b.ctx, "acme", 820982911946154508)
		require.NoError(t, err)
		require.False(t, got.FirstSeenAt.IsZero())
		require.Equal(t, got.FirstSeenAt, got.UpdatedAt)
		require.True(t, got.Total.Equal(in.Total))
		want := in
		want.FirstSeenAt, want.UpdatedAt, want.Total = got.FirstSeenAt, got.UpdatedAt, got.Total
		require.Equal(t, want, got)

		in.Status, in.Severity, in.Problem, in.Attempts = erp.StatusStaged, "", "", 4
		require.NoError(t, b.store.LedgerPut(b.ctx, in))
		again, err := b.store.LedgerGet(b.ctx, "acme", 820982911946154508)
		require.NoError(t, err)
		require.Equal(t, got.FirstSeenAt, again.FirstSeenAt, "first seen is kept")
		require.True(t, again.UpdatedAt.After(got.UpdatedAt))
		require.Equal(t, erp.StatusStaged, again.Status)
		require.Equal(t, 4, again.Attempts)

		_, err = b.store.LedgerGet(b.ctx, "acme", 404)
		require.ErrorIs(t, err, erp.ErrNotFound)
	})

	t.Run("LedgerPut adds an event only when status, severity or problem changes", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		e := erp.LedgerEntry{Shop: "acme", OrderID: 7, Status: erp.StatusWaiting, Severity: passthrough.SeverityRetry, Problem: "not paid yet", RunID: 1}
		require.NoError(t, b.store.LedgerPut(b.ctx, e))
		e.Attempts, e.RunID = 2, 2
		require.NoError(t, b.store.LedgerPut(b.ctx, e))
		e.Status, e.Severity, e.Problem, e.RunID = erp.StatusFailed, passthrough.SeverityError, "unknown SKU XYZ", 3
		require.NoError(t, b.store.LedgerPut(b.ctx, e))
		e.RunID = 0
		e.Status, e.Severity, e.Problem = erp.StatusSkipped, passthrough.SeverityInfo, "skipped by ann"
		require.NoError(t, b.store.LedgerPut(b.ctx, e))

		events, err := b.store.LedgerEventList(b.ctx, "acme", 7)
		require.NoError(t, err)
		require.Len(t, events, 3)
		require.Equal(t, []string{"not paid yet", "unknown SKU XYZ", "skipped by ann"},
			[]string{events[0].Message, events[1].Message, events[2].Message})
		require.Equal(t, []int64{1, 3, 0}, []int64{events[0].RunID, events[1].RunID, events[2].RunID})
		require.Equal(t, passthrough.SeverityError, events[1].Severity)
		require.True(t, events[0].At.Before(events[1].At))

		require.ErrorIs(t, b.store.LedgerPut(b.ctx, erp.LedgerEntry{Shop: "acme", OrderID: 8}), erp.ErrInvalidValue, "an entry needs a status")
		require.ErrorIs(t, b.store.LedgerPut(b.ctx, erp.LedgerEntry{Shop: "acme", OrderID: 8, Status: "x", Severity: "bad"}), erp.ErrInvalidValue)
	})

	t.Run("LedgerList filters and pages by keyset, newest first, with the ERP's import status", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		day := func(d int) time.Time { return time.Date(2026, 11, d, 12, 0, 0, 0, time.UTC) }
		statuses := []string{erp.StatusStaged, erp.StatusWaiting, erp.StatusFailed, erp.StatusSkipped}
		severities := []passthrough.Severity{"", passthrough.SeverityRetry, passthrough.SeverityError, passthrough.SeverityInfo}
		for i := range 24 {
			id := int64(1000 + i)
			e := erp.LedgerEntry{
				Shop: "acme", OrderID: id, OrderName: fmt.Sprintf("#%d", id), OrderDate: day(1 + i%6),
				CustomerEmail: fmt.Sprintf("%s%d@example.com", []string{"ann", "bob", "Cy"}[i%3], i),
				Status:        statuses[i%4], Severity: severities[i%4],
			}
			if e.Status == erp.StatusStaged {
				p := Order("acme", id, 1)
				p.Ledger = e
				require.NoError(t, b.store.OrderStage(b.ctx, p))
			} else {
				require.NoError(t, b.store.LedgerPut(b.ctx, e))
			}
		}
		require.NoError(t, b.store.LedgerPut(b.ctx, erp.LedgerEntry{Shop: "other", OrderID: 1, Status: erp.StatusWaiting}))
		b.exec(t, "UPDATE s_orders SET import_status = 'I', erp_order_no = 'SO-1020' WHERE web_order_id = ?1", int64(1020))

		ids := func(es []erp.LedgerEntry) []int64 {
			out := []int64{}
			for _, e := range es {
				out = append(out, e.OrderID)
			}
			return out
		}
		all := func(p erp.LedgerListParams) []erp.LedgerEntry {
			var out []erp.LedgerEntry
			for {
				page, err := b.store.LedgerList(b.ctx, p)
				require.NoError(t, err)
				out = append(out, page...)
				if len(page) < p.Limit {
					return out
				}
				p.After = page[len(page)-1].Cursor()
			}
		}

		everything := all(erp.LedgerListParams{Shop: "acme", Limit: 5})
		require.Len(t, everything, 24)
		for i := range everything {
			require.EqualValues(t, 1023-i, everything[i].OrderID, "newest first, each once")
		}
		require.Equal(t, "I", everything[3].ImportStatus)
		require.Equal(t, "SO-1020", everything[3].ERPOrderNo)
		require.Empty(t, everything[7].ImportStatus)

		require.Len(t, all(erp.LedgerListParams{Shop: "acme", Limit: 7}), 24)
		_, err := b.store.LedgerList(b.ctx, erp.LedgerListParams{Limit: 7})
		require.ErrorIs(t, err, erp.ErrInvalidValue, "a page needs its shop")
		require.Equal(t, []int64{1021, 1017, 1013, 1009, 1005, 1001}, ids(all(erp.LedgerListParams{Shop: "acme", Status: erp.StatusWaiting, Limit: 4})))
		require.Equal(t, []int64{1022, 1018, 1014, 1010, 1006, 1002}, ids(all(erp.LedgerListParams{Shop: "acme", Severity: passthrough.SeverityError, Limit: 2})))
		require.Equal(t, []int64{1021, 1015, 1009, 1003, 1020, 1014, 1008, 1002},
			ids(all(erp.LedgerListParams{Shop: "acme", From: day(3), To: day(5), Limit: 3})), "order dates on the 3rd and the 4th, by order date")
		require.Equal(t, []int64{1007}, ids(all(erp.LedgerListParams{Shop: "acme", Search: "#1007", Limit: 10})))
		require.Equal(t, []int64{1007}, ids(all(erp.LedgerListParams{Shop: "acme", Search: "1007", Limit: 10})))
		require.Equal(t, []int64{1023, 1020, 1002}, ids(all(erp.LedgerListParams{Shop: "acme", Search: "CY2", Limit: 10})), "email prefix, any case")
		require.Equal(t, []int64{1012}, ids(all(erp.LedgerListParams{Shop: "acme", Search: "ann12@example.com", Limit: 10})))
		require.Empty(t, ids(all(erp.LedgerListParams{Shop: "acme", Search: "nn1", Limit: 10})), "the start of an email, not the middle")
		require.Equal(t, []int64{1018, 1006}, ids(all(erp.LedgerListParams{Shop: "acme", Status: erp.StatusFailed, From: day(1), To: day(2), Limit: 1})))
		require.Equal(t, []int64{1023, 1017, 1011, 1005}, ids(all(erp.LedgerListParams{Shop: "acme", To: day(7), From: day(6), Limit: 1})))
		page, err := b.store.LedgerList(b.ctx, erp.LedgerListParams{Shop: "acme"})
		require.NoError(t, err)
		require.Len(t, page, 24, "the default page holds 50")
	})
}
