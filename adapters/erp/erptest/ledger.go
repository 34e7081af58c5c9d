package erptest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/ledger"
)

func runLedger(t *testing.T, open Opener) {
	t.Run("a ledger entry round trips", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		in := ledger.Entry{
			Shop: "acme", OrderID: 820982911946154508, OrderName: "#1001", OrderDate: mustTime("2026-11-20T14:03:09.250Z"),
			CustomerName: "Bob Norman", CustomerEmail: "Bob@Example.com", Total: decimal.RequireFromString("199.65"),
			Currency: "EUR", Status: ledger.StatusWaiting, Severity: passthrough.SeverityRetry, Problem: "not paid yet",
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

		in.Status, in.Severity, in.Problem, in.Attempts = ledger.StatusStaged, "", "", 4
		require.NoError(t, b.store.LedgerPut(b.ctx, in))
		again, err := b.store.LedgerGet(b.ctx, "acme", 820982911946154508)
		require.NoError(t, err)
		require.Equal(t, got.FirstSeenAt, again.FirstSeenAt, "first seen is kept")
		require.True(t, again.UpdatedAt.After(got.UpdatedAt))
		require.Equal(t, ledger.StatusStaged, again.Status)
		require.Equal(t, 4, again.Attempts)

		_, err = b.store.LedgerGet(b.ctx, "acme", 404)
		require.ErrorIs(t, err, erp.ErrNotFound)
	})

	t.Run("LedgerPut adds an event only when status, severity or problem changes", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		e := ledger.Entry{Shop: "acme", OrderID: 7, Status: ledger.StatusWaiting, Severity: passthrough.SeverityRetry, Problem: "not paid yet", RunID: 1}
		require.NoError(t, b.store.LedgerPut(b.ctx, e))
		e.Attempts, e.RunID = 2, 2
		require.NoError(t, b.store.LedgerPut(b.ctx, e))
		e.Status, e.Severity, e.Problem, e.RunID = ledger.StatusFailed, passthrough.SeverityError, "unknown SKU XYZ", 3
		require.NoError(t, b.store.LedgerPut(b.ctx, e))
		e.Exclude("ann", "")
		require.NoError(t, b.store.LedgerPut(b.ctx, e))

		events, err := b.store.LedgerEventList(b.ctx, "acme", 7)
		require.NoError(t, err)
		require.Len(t, events, 3)
		require.Equal(t, []string{"not paid yet", "unknown SKU XYZ", "skipped by ann"},
			[]string{events[0].Message, events[1].Message, events[2].Message})
		require.Equal(t, []int64{1, 3, 0}, []int64{events[0].RunID, events[1].RunID, events[2].RunID})
		require.Equal(t, passthrough.SeverityError, events[1].Severity)
		require.True(t, events[0].At.Before(events[1].At))

		require.ErrorIs(t, b.store.LedgerPut(b.ctx, ledger.Entry{Shop: "acme", OrderID: 8}), erp.ErrInvalidValue, "an entry needs a status")
		require.ErrorIs(t, b.store.LedgerPut(b.ctx, ledger.Entry{Shop: "acme", OrderID: 8, Status: "x", Severity: "bad"}), erp.ErrInvalidValue)
	})

	t.Run("an operator's exclusion is a status of its own, and the entry and every event say who acted", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		e := ledger.Entry{Shop: "acme", OrderID: 9, OrderName: "#1009", Status: ledger.StatusFailed,
			Severity: passthrough.SeverityError, Problem: "unknown SKU XYZ", RunID: 3}
		require.NoError(t, b.store.LedgerPut(b.ctx, e))
		e.Exclude("ann", "sold in the shop")
		require.NoError(t, b.store.LedgerPut(b.ctx, e))

		got, err := b.store.LedgerGet(b.ctx, "acme", 9)
		require.NoError(t, err)
		require.Equal(t, ledger.StatusExcluded, got.Status)
		require.Equal(t, "ann", got.Actor)
		require.Zero(t, got.RunID, "an operator's write is no run's")
		page, err := b.store.LedgerList(b.ctx, erp.LedgerListParams{Shop: "acme", Status: ledger.StatusExcluded})
		require.NoError(t, err)
		require.Len(t, page, 1, "the portal filters on the status")
		require.Equal(t, "ann", page[0].Actor)

		p := Order("acme", 9, 1)
		p.Ledger.Actor = "bob"
		require.NoError(t, b.store.OrderStage(b.ctx, p), "the retry staged it")
		p.Ledger.Actor, p.Ledger.RunID = "", 4
		require.NoError(t, b.store.OrderStage(b.ctx, p), "a run staged it again")
		got, err = b.store.LedgerGet(b.ctx, "acme", 9)
		require.NoError(t, err)
		require.Empty(t, got.Actor, "a run's write says no operator acted")
		require.EqualValues(t, 4, got.RunID)

		type step struct {
			status ledger.Status
			run    int64
			actor  string
		}
		events, err := b.store.LedgerEventList(b.ctx, "acme", 9)
		require.NoError(t, err)
		var history []step
		for _, ev := range events {
			history = append(history, step{ev.Status, ev.RunID, ev.Actor})
		}
		require.Equal(t, []step{{ledger.StatusFailed, 3, ""}, {ledger.StatusExcluded, 0, "ann"},
			{ledger.StatusStaged, 0, "bob"}, {ledger.StatusStaged, 4, ""}}, history)
		require.Equal(t, "skipped by ann: sold in the shop", events[1].Message, "the message is for people, and says why")

		require.ErrorIs(t, b.store.LedgerPut(b.ctx, ledger.Entry{Shop: "acme", OrderID: 10, Status: ledger.StatusExcluded,
			Actor: strings.Repeat("a", 101)}), erp.ErrInvalidValue, "an actor longer than its column")
		require.NoError(t, b.store.LedgerPut(b.ctx, ledger.Entry{Shop: "acme", OrderID: 10, Status: ledger.StatusExcluded,
			Actor: strings.Repeat("é", 100)}), "a hundred characters fit, whatever their bytes")
		require.ErrorIs(t, b.store.LedgerPut(b.ctx, ledger.Entry{Shop: "acme", OrderID: 10, Status: "skipped by ann"}),
			erp.ErrInvalidValue, "a status the ledger does not know")
	})

	t.Run("Migrate turns an operator's skip, once told only by its message, into the excluded status with the user as actor", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		b := newBundle(t, s)
		_, err := s.MigrateTo(b.ctx, 3)
		require.NoError(t, err)
		at := b.timeArg(time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC))
		for _, r := range []struct {
			id                        int64
			status, severity, problem string
		}{
			{1, "skipped", "info", "skipped by ann: sold in the shop"},
			{2, "skipped", "info", "skipped by bob"},
			{3, "skipped", "info", "test order: not for import"},
			{4, "failed", "error", "skipped by nobody: a failure that reads like a skip"},
		} {
			b.exec(t, "INSERT INTO pt_order_ledger (shop, order_id, status, severity, problem, first_seen_at, updated_at) VALUES ('acme', ?1, ?2, ?3, ?4, ?5, ?6)",
				r.id, r.status, r.severity, r.problem, at, at)
		}
		const event = "INSERT INTO pt_ledger_events (shop, order_id, event_at, status, severity, message, run_id) VALUES ('acme', ?1, ?2, ?3, ?4, ?5, "
		b.exec(t, event+"3)", int64(1), at, "failed", "error", "unknown SKU XYZ")
		b.exec(t, event+"NULL)", int64(1), at, "skipped", "info", "skipped by ann: sold in the shop")
		b.exec(t, event+"5)", int64(3), at, "skipped", "info", "test order: not for import")

		res, err := s.Migrate(b.ctx)
		require.NoError(t, err)
		require.Equal(t, "00004_ledger_actor.sql", res.Applied[0], "the migrations after 3 run, 4 first")

		for _, want := range []struct {
			id     int64
			status ledger.Status
			actor  string
		}{
			{1, ledger.StatusExcluded, "ann"},
			{2, ledger.StatusExcluded, "bob"},
			{3, ledger.StatusSkipped, ""},
			{4, ledger.StatusFailed, ""},
		} {
			e, err := s.LedgerGet(b.ctx, "acme", want.id)
			require.NoError(t, err)
			require.Equal(t, want.status, e.Status, "order %d", want.id)
			require.Equal(t, want.actor, e.Actor, "order %d", want.id)
		}
		e, err := s.LedgerGet(b.ctx, "acme", 1)
		require.NoError(t, err)
		require.Equal(t, "skipped by ann: sold in the shop", e.Problem, "the message stays as people read it")

		type step struct {
			status ledger.Status
			run    int64
			actor  string
		}
		for id, want := range map[int64][]step{
			1: {{ledger.StatusFailed, 3, ""}, {ledger.StatusExcluded, 0, "ann"}},
			3: {{ledger.StatusSkipped, 5, ""}},
		} {
			events, err := s.LedgerEventList(b.ctx, "acme", id)
			require.NoError(t, err)
			var history []step
			for _, ev := range events {
				history = append(history, step{ev.Status, ev.RunID, ev.Actor})
			}
			require.Equal(t, want, history, "order %d", id)
		}
	})

	t.Run("LedgerList filters and pages by keyset, newest first, with the ERP's import status", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		day := func(d int) time.Time { return time.Date(2026, 11, d, 12, 0, 0, 0, time.UTC) }
		statuses := []ledger.Status{ledger.StatusStaged, ledger.StatusWaiting, ledger.StatusFailed, ledger.StatusSkipped}
		severities := []passthrough.Severity{"", passthrough.SeverityRetry, passthrough.SeverityError, passthrough.SeverityInfo}
		for i := range 24 {
			id := int64(1000 + i)
			e := ledger.Entry{
				Shop: "acme", OrderID: id, OrderName: fmt.Sprintf("#%d", id), OrderDate: day(1 + i%6),
				CustomerEmail: fmt.Sprintf("%s%d@example.com", []string{"ann", "bob", "Cy"}[i%3], i),
				Status:        statuses[i%4], Severity: severities[i%4],
			}
			if e.Status == ledger.StatusStaged {
				p := Order("acme", id, 1)
				p.Ledger = e
				require.NoError(t, b.store.OrderStage(b.ctx, p))
			} else {
				require.NoError(t, b.store.LedgerPut(b.ctx, e))
			}
		}
		require.NoError(t, b.store.LedgerPut(b.ctx, ledger.Entry{Shop: "other", OrderID: 1, Status: ledger.StatusWaiting}))
		b.exec(t, "UPDATE s_orders SET import_status = 'I', erp_order_no = 'SO-1020' WHERE web_order_id = ?1", int64(1020))

		ids := func(es []ledger.Entry) []int64 {
			out := []int64{}
			for _, e := range es {
				out = append(out, e.OrderID)
			}
			return out
		}
		all := func(p erp.LedgerListParams) []ledger.Entry {
			var out []ledger.Entry
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
		require.Equal(t, []int64{1021, 1017, 1013, 1009, 1005, 1001}, ids(all(erp.LedgerListParams{Shop: "acme", Status: ledger.StatusWaiting, Limit: 4})))
		require.Equal(t, []int64{1022, 1018, 1014, 1010, 1006, 1002}, ids(all(erp.LedgerListParams{Shop: "acme", Severity: passthrough.SeverityError, Limit: 2})))
		require.Equal(t, []int64{1021, 1015, 1009, 1003, 1020, 1014, 1008, 1002},
			ids(all(erp.LedgerListParams{Shop: "acme", From: day(3), To: day(5), Limit: 3})), "order dates on the 3rd and the 4th, by order date")
		require.Equal(t, []int64{1007}, ids(all(erp.LedgerListParams{Shop: "acme", Search: "#1007", Limit: 10})))
		require.Equal(t, []int64{1007}, ids(all(erp.LedgerListParams{Shop: "acme", Search: "1007", Limit: 10})))
		require.Equal(t, []int64{1023, 1020, 1002}, ids(all(erp.LedgerListParams{Shop: "acme", Search: "CY2", Limit: 10})), "email prefix, any case")
		require.Equal(t, []int64{1012}, ids(all(erp.LedgerListParams{Shop: "acme", Search: "ann12@example.com", Limit: 10})))
		require.Empty(t, ids(all(erp.LedgerListParams{Shop: "acme", Search: "nn1", Limit: 10})), "the start of an email, not the middle")
		require.Equal(t, []int64{1018, 1006}, ids(all(erp.LedgerListParams{Shop: "acme", Status: ledger.StatusFailed, From: day(1), To: day(2), Limit: 1})))
		require.Equal(t, []int64{1023, 1017, 1011, 1005}, ids(all(erp.LedgerListParams{Shop: "acme", To: day(7), From: day(6), Limit: 1})))
		page, err := b.store.LedgerList(b.ctx, erp.LedgerListParams{Shop: "acme"})
		require.NoError(t, err)
		require.Len(t, page, 24, "the default page holds 50")
	})
}
