package erptest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/ledger"
)

func runOverview(t *testing.T, open Opener) {
	t.Run("runs are tallied by window and outcome with their record counts, other shops and other times left out", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		h0 := time.Date(2026, 11, 22, 6, 0, 0, 0, time.UTC)
		run := func(shop string, at time.Time, outcome string, c erp.ExecutionCounts) {
			t.Helper()
			x, err := b.store.ExecutionStart(b.ctx, erp.ExecutionStartParams{Feed: "orders", Shop: shop, Trigger: "schedule", At: at})
			require.NoError(t, err)
			if outcome != erp.OutcomeRunning {
				require.NoError(t, b.store.ExecutionFinish(b.ctx, erp.ExecutionFinishParams{ID: x.ID, At: at.Add(time.Minute), Outcome: outcome, Counts: c}))
			}
		}
		run("acme", h0.Add(-time.Minute), erp.OutcomeFailed, erp.ExecutionCounts{})                            // before the first window
		run("acme", h0, erp.OutcomeFinished, erp.ExecutionCounts{Seen: 10, Written: 8, Skipped: 1, Errors: 1}) // window 0
		run("acme", h0.Add(30*time.Minute), erp.OutcomeFinished, erp.ExecutionCounts{Seen: 5, Written: 5})
		run("acme", h0.Add(59*time.Minute), erp.OutcomeFailed, erp.ExecutionCounts{})
		run("acme", h0.Add(2*time.Hour+time.Second), erp.OutcomeFinishedPartially, erp.ExecutionCounts{Seen: 4, Written: 2, Retry: 1, Errors: 1}) // window 2
		run("acme", h0.Add(2*time.Hour+2*time.Second), erp.OutcomeRunning, erp.ExecutionCounts{})
		run("acme", h0.Add(3*time.Hour), erp.OutcomeFinished, erp.ExecutionCounts{Seen: 1}) // the end is not in
		run("other", h0.Add(time.Minute), erp.OutcomeFailed, erp.ExecutionCounts{Seen: 7})

		got, err := b.store.ExecutionTally(b.ctx, erp.TallyParams{Shop: "acme", Bounds: []time.Time{h0, h0.Add(time.Hour), h0.Add(2 * time.Hour), h0.Add(3 * time.Hour)}})
		require.NoError(t, err)
		require.Equal(t, []erp.ExecutionTally{
			{Window: 0, Outcome: erp.OutcomeFailed, Runs: 1},
			{Window: 0, Outcome: erp.OutcomeFinished, Runs: 2, Counts: erp.ExecutionCounts{Seen: 15, Written: 13, Skipped: 1, Errors: 1}},
			{Window: 2, Outcome: erp.OutcomeFinishedPartially, Runs: 1, Counts: erp.ExecutionCounts{Seen: 4, Written: 2, Retry: 1, Errors: 1}},
			{Window: 2, Outcome: erp.OutcomeRunning, Runs: 1},
		}, got, "by window, then outcome; window 1 had no run")

		one, err := b.store.ExecutionTally(b.ctx, erp.TallyParams{Shop: "acme", Bounds: []time.Time{h0, h0.Add(time.Hour)}})
		require.NoError(t, err)
		require.Len(t, one, 2, "a single window")

		for name, bounds := range map[string][]time.Time{
			"no window":           {h0},
			"bounds that go back": {h0, h0.Add(-time.Hour)},
			"too many windows":    make([]time.Time, erp.MaxTallyWindows+2),
		} {
			_, err := b.store.ExecutionTally(b.ctx, erp.TallyParams{Shop: "acme", Bounds: bounds})
			require.ErrorIs(t, err, erp.ErrInvalidValue, name)
		}
	})

	t.Run("orders with a ledger event of a status are tallied by window, each order once a window", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		stage := func(shop string, id int64) {
			t.Helper()
			p := Order(shop, id, 1)
			p.Ledger = ledger.Entry{Shop: shop, OrderID: id, Status: ledger.StatusStaged}
			require.NoError(t, b.store.OrderStage(b.ctx, p))
		}
		stage("acme", 1001)
		stage("acme", 1002)
		stage("acme", 1001) // staged again
		require.NoError(t, b.store.LedgerPut(b.ctx, ledger.Entry{Shop: "acme", OrderID: 1003, Status: ledger.StatusFailed, Problem: "unknown SKU"}))
		stage("other", 1001)

		first, err := b.store.LedgerEventList(b.ctx, "acme", 1001)
		require.NoError(t, err)
		require.Len(t, first, 2)
		a, c := first[0].At, first[1].At
		last := c.Add(time.Millisecond)

		got, err := b.store.LedgerEventTally(b.ctx, erp.TallyParams{Shop: "acme", Status: ledger.StatusStaged,
			Bounds: []time.Time{a.Add(-time.Hour), a, c, last}})
		require.NoError(t, err)
		require.Equal(t, []int{0, 2, 1}, got, "1001 and 1002 first, 1001 again after")

		got, err = b.store.LedgerEventTally(b.ctx, erp.TallyParams{Shop: "acme", Status: ledger.StatusStaged, Bounds: []time.Time{a, last}})
		require.NoError(t, err)
		require.Equal(t, []int{2}, got, "an order staged twice in a window is one order")

		got, err = b.store.LedgerEventTally(b.ctx, erp.TallyParams{Shop: "acme", Status: ledger.StatusFailed, Bounds: []time.Time{a, last.Add(time.Hour)}})
		require.NoError(t, err)
		require.Equal(t, []int{1}, got)

		_, err = b.store.LedgerEventTally(b.ctx, erp.TallyParams{Shop: "acme", Status: "lost", Bounds: []time.Time{a, last}})
		require.ErrorIs(t, err, erp.ErrInvalidValue)
	})

	t.Run("failed runs are listed by when they ended, after a time and up to another, the oldest first", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		h0 := time.Date(2026, 11, 22, 6, 0, 0, 0, time.UTC)
		var failed []int64
		for i, outcome := range []string{erp.OutcomeFailed, erp.OutcomeFinished, erp.OutcomeFailed, erp.OutcomeFailed, erp.OutcomeFailed} {
			at := h0.Add(time.Duration(i) * time.Hour)
			x, err := b.store.ExecutionStart(b.ctx, erp.ExecutionStartParams{Feed: "orders", Shop: "acme", Trigger: "schedule", At: at})
			require.NoError(t, err)
			require.NoError(t, b.store.ExecutionFinish(b.ctx, erp.ExecutionFinishParams{ID: x.ID, At: at.Add(time.Minute), Outcome: outcome, Error: "Shopify answered 401"}))
			if outcome == erp.OutcomeFailed {
				failed = append(failed, x.ID)
			}
		}
		x, err := b.store.ExecutionStart(b.ctx, erp.ExecutionStartParams{Feed: "orders", Shop: "other", Trigger: "schedule", At: h0})
		require.NoError(t, err)
		require.NoError(t, b.store.ExecutionFinish(b.ctx, erp.ExecutionFinishParams{ID: x.ID, At: h0.Add(3 * time.Hour), Outcome: erp.OutcomeFailed}))

		// Runs 0..4 ended at 06:01, 07:01, 08:01, 09:01, 10:01; 1 finished.
		got, err := b.store.ExecutionFailedList(b.ctx, erp.ExecutionFailedListParams{Shop: "acme", Since: h0.Add(time.Minute), Until: h0.Add(3*time.Hour + time.Minute)})
		require.NoError(t, err)
		var ids []int64
		for _, x := range got {
			ids = append(ids, x.ID)
			require.Equal(t, "Shopify answered 401", x.Error)
		}
		require.Equal(t, []int64{failed[1], failed[2]}, ids, "after Since, up to Until included, the oldest first")

		got, err = b.store.ExecutionFailedList(b.ctx, erp.ExecutionFailedListParams{Shop: "acme", Since: h0.Add(-time.Hour), Until: h0.Add(24 * time.Hour), Limit: 1})
		require.NoError(t, err)
		require.Len(t, got, 1, "at most the limit")
		require.Equal(t, failed[0], got[0].ID)
	})

	t.Run("when a user last looked at a store's news is kept per user and store", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		_, err := b.store.NoticeSeenGet(b.ctx, "ann", "acme")
		require.ErrorIs(t, err, erp.ErrNotFound, "never looked")

		at := time.Date(2026, 11, 22, 9, 30, 0, 123e6, time.UTC)
		require.NoError(t, b.store.NoticeSeenSet(b.ctx, "ann", "acme", at))
		require.NoError(t, b.store.NoticeSeenSet(b.ctx, "ann", "other", at.Add(-time.Hour)))
		require.NoError(t, b.store.NoticeSeenSet(b.ctx, "bob", "acme", at.Add(-2*time.Hour)))
		require.NoError(t, b.store.NoticeSeenSet(b.ctx, "ann", "acme", at.Add(time.Minute)), "a later look replaces the earlier")

		for _, c := range []struct {
			user, shop string
			want       time.Time
		}{{"ann", "acme", at.Add(time.Minute)}, {"ann", "other", at.Add(-time.Hour)}, {"bob", "acme", at.Add(-2 * time.Hour)}} {
			got, err := b.store.NoticeSeenGet(b.ctx, c.user, c.shop)
			require.NoError(t, err)
			require.True(t, c.want.Equal(got), "%s in %s: %s", c.user, c.shop, got)
		}
		require.ErrorIs(t, b.store.NoticeSeenSet(b.ctx, "", "acme", at), erp.ErrInvalidValue)
	})
}
