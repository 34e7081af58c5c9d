package erptest

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
)

func runBookkeeping(t *testing.T, open Opener) {
	t.Run("a stock check replaces the shop's last one with its drift rows", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		_, err := b.store.InventoryCheckGet(b.ctx, "acme")
		require.ErrorIs(t, err, erp.ErrNotFound, "no check has run yet")

		sent := int64(12)
		first := erp.InventoryCheck{Shop: "acme", CheckedAt: mustTime("2026-11-22T02:00:00.123Z"), Levels: 30000}
		for i := range 450 { // more than one INSERT's worth
			first.Drift = append(first.Drift, erp.InventoryDrift{SKU: fmt.Sprintf("SKU-%04d", i), InventoryItemID: int64(9000 + i),
				LocationID: 655441491, ERP: int64(i), Shopify: int64(i + 1)})
		}
		first.Drift[7].LastSent = &sent
		require.NoError(t, b.store.InventoryCheckPut(b.ctx, first))
		require.NoError(t, b.store.InventoryCheckPut(b.ctx, erp.InventoryCheck{Shop: "other", CheckedAt: first.CheckedAt, Levels: 1,
			Drift: []erp.InventoryDrift{{SKU: "X", InventoryItemID: 1, LocationID: 2, ERP: 0, Shopify: 5}}}))
		got, err := b.store.InventoryCheckGet(b.ctx, "acme")
		require.NoError(t, err)
		require.Equal(t, first, got)

		second := erp.InventoryCheck{Shop: "acme", CheckedAt: first.CheckedAt.Add(24 * time.Hour), Levels: 30000,
			Drift: []erp.InventoryDrift{{SKU: "TS-001-X3", InventoryItemID: 77, LocationID: 655441491, ERP: 4, Shopify: 0, LastSent: &sent}}}
		require.NoError(t, b.store.InventoryCheckPut(b.ctx, second))
		got, err = b.store.InventoryCheckGet(b.ctx, "acme")
		require.NoError(t, err)
		require.Equal(t, second, got, "the earlier drift is gone")

		clean := erp.InventoryCheck{Shop: "acme", CheckedAt: second.CheckedAt.Add(24 * time.Hour), Levels: 30000}
		require.NoError(t, b.store.InventoryCheckPut(b.ctx, clean))
		got, err = b.store.InventoryCheckGet(b.ctx, "acme")
		require.NoError(t, err)
		require.Equal(t, clean, got, "a check without drift still says when it ran")
		other, err := b.store.InventoryCheckGet(b.ctx, "other")
		require.NoError(t, err)
		require.Len(t, other.Drift, 1, "other shops keep theirs")

		require.ErrorIs(t, b.store.InventoryCheckPut(b.ctx, erp.InventoryCheck{Shop: "acme"}), erp.ErrInvalidValue)
	})

	t.Run("feed executions round trip and page newest first", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		start := mustTime("2026-11-22T10:00:00.5Z")
		first, err := b.store.ExecutionStart(b.ctx, erp.ExecutionStartParams{Feed: "orders", Shop: "acme", Trigger: "schedule", At: start})
		require.NoError(t, err)
		require.NotZero(t, first.ID)
		require.Equal(t, erp.OutcomeRunning, first.Outcome)
		got, err := b.store.ExecutionGet(b.ctx, first.ID)
		require.NoError(t, err)
		require.Equal(t, first, got)

		counts := erp.ExecutionCounts{Seen: 250, Written: 240, Skipped: 5, Retry: 3, Errors: 2}
		require.NoError(t, b.store.ExecutionFinish(b.ctx, erp.ExecutionFinishParams{
			ID: first.ID, At: start.Add(90 * time.Second), Outcome: erp.OutcomeFinishedPartially, Counts: counts, Error: "",
		}))
		got, err = b.store.ExecutionGet(b.ctx, first.ID)
		require.NoError(t, err)
		require.Equal(t, erp.Execution{ID: first.ID, Feed: "orders", Shop: "acme", Trigger: "schedule", StartedAt: start,
			FinishedAt: start.Add(90 * time.Second), Outcome: erp.OutcomeFinishedPartially, Counts: counts}, got)

		var ids []int64
		for i := range 4 {
			feed := []string{"shipments", "orders"}[i%2]
			e, err := b.store.ExecutionStart(b.ctx, erp.ExecutionStartParams{Feed: feed, Trigger: "manual"})
			require.NoError(t, err)
			ids = append(ids, e.ID)
		}
		require.NoError(t, b.store.ExecutionFinish(b.ctx, erp.ExecutionFinishParams{ID: ids[1], Outcome: erp.OutcomeFailed, Error: "Shopify answered 401"}))
		failed, err := b.store.ExecutionGet(b.ctx, ids[1])
		require.NoError(t, err)
		require.Equal(t, "Shopify answered 401", failed.Error)
		require.False(t, failed.FinishedAt.IsZero(), "the store's clock stands in for a missing time")

		page, err := b.store.ExecutionList(b.ctx, erp.ExecutionListParams{Feed: "orders", Limit: 2})
		require.NoError(t, err)
		require.Equal(t, []int64{ids[3], ids[1]}, []int64{page[0].ID, page[1].ID})
		page, err = b.store.ExecutionList(b.ctx, erp.ExecutionListParams{Feed: "orders", Limit: 2, BeforeID: ids[1]})
		require.NoError(t, err)
		require.Len(t, page, 1)
		require.Equal(t, first.ID, page[0].ID)
		page, err = b.store.ExecutionList(b.ctx, erp.ExecutionListParams{})
		require.NoError(t, err)
		require.Len(t, page, 5)

		_, err = b.store.ExecutionGet(b.ctx, 999999)
		require.ErrorIs(t, err, erp.ErrNotFound)
		require.ErrorIs(t, b.store.ExecutionFinish(b.ctx, erp.ExecutionFinishParams{ID: 999999, Outcome: erp.OutcomeFailed}), erp.ErrNotFound)
	})

	t.Run("record problems are listed by execution, feed and record, newest first", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		run, err := b.store.ExecutionStart(b.ctx, erp.ExecutionStartParams{Feed: "inventory"})
		require.NoError(t, err)
		for i := range 5 {
			require.NoError(t, b.store.ProblemAdd(b.ctx, erp.Problem{
				ExecutionID: run.ID, Feed: "inventory", Shop: "acme", RecordKey: fmt.Sprintf("SKU-%d@Main", i%2),
				Severity: passthrough.SeverityError, Message: fmt.Sprintf("problem %d", i),
			}))
		}
		at := mustTime("2026-11-22T11:00:00.001Z")
		require.NoError(t, b.store.ProblemAdd(b.ctx, erp.Problem{Feed: "orders", RecordKey: "1001", Severity: passthrough.SeverityInfo, Message: "test order", At: at}))

		byRun, err := b.store.ProblemList(b.ctx, erp.ProblemListParams{ExecutionID: run.ID})
		require.NoError(t, err)
		require.Len(t, byRun, 5)
		require.Equal(t, "problem 4", byRun[0].Message)
		require.Equal(t, run.ID, byRun[0].ExecutionID)
		byRecord, err := b.store.ProblemList(b.ctx, erp.ProblemListParams{RecordKey: "SKU-1@Main"})
		require.NoError(t, err)
		require.Equal(t, []string{"problem 3", "problem 1"}, []string{byRecord[0].Message, byRecord[1].Message})
		byFeed, err := b.store.ProblemList(b.ctx, erp.ProblemListParams{Feed: "orders"})
		require.NoError(t, err)
		require.NotZero(t, byFeed[0].ClassID, "every problem is in a class")
		require.Equal(t, []erp.Problem{{ID: byFeed[0].ID, Feed: "orders", RecordKey: "1001", Severity: passthrough.SeverityInfo, Message: "test order",
			ClassID: byFeed[0].ClassID, At: at}}, byFeed)
		older, err := b.store.ProblemList(b.ctx, erp.ProblemListParams{Limit: 2, BeforeID: byRun[1].ID})
		require.NoError(t, err)
		require.Equal(t, []string{"problem 2", "problem 1"}, []string{older[0].Message, older[1].Message})

		require.ErrorIs(t, b.store.ProblemAdd(b.ctx, erp.Problem{Feed: "orders", Severity: "fatal"}), erp.ErrInvalidValue)
	})

	t.Run("watermarks round trip per shop and feed", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		_, err := b.store.WatermarkGet(b.ctx, "acme", "orders")
		require.ErrorIs(t, err, erp.ErrNotFound)
		first := mustTime("2026-11-22T10:00:00.007Z")
		require.NoError(t, b.store.WatermarkSet(b.ctx, "acme", "orders", first))
		require.NoError(t, b.store.WatermarkSet(b.ctx, "acme", "inventory", first.Add(time.Hour)))
		got, err := b.store.WatermarkGet(b.ctx, "acme", "orders")
		require.NoError(t, err)
		require.Equal(t, first, got)
		require.NoError(t, b.store.WatermarkSet(b.ctx, "acme", "orders", first.Add(5*time.Minute)))
		got, err = b.store.WatermarkGet(b.ctx, "acme", "orders")
		require.NoError(t, err)
		require.Equal(t, first.Add(5*time.Minute), got)
		_, err = b.store.WatermarkGet(b.ctx, "other", "orders")
		require.ErrorIs(t, err, erp.ErrNotFound)
	})

	t.Run("inventory last sent is recorded per item and location", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		at := mustTime("2026-11-22T02:00:00Z")
		require.NoError(t, b.store.InventorySentPut(b.ctx, []erp.InventorySent{
			{Shop: "acme", SKU: "TS-001", InventoryItemID: 808950810, LocationID: 655441491, Available: 5, SentAt: at},
			{Shop: "acme", SKU: "TS-001", InventoryItemID: 808950810, LocationID: 487838322, Available: 0, SentAt: at, DryRun: true},
			{Shop: "acme", SKU: "AB-9", InventoryItemID: 39072856, LocationID: 655441491, Available: 12, SentAt: at},
			{Shop: "other", SKU: "AB-9", InventoryItemID: 1, LocationID: 1, Available: 1, SentAt: at},
		}))
		require.NoError(t, b.store.InventorySentPut(b.ctx, []erp.InventorySent{
			{Shop: "acme", SKU: "TS-001", InventoryItemID: 808950810, LocationID: 655441491, Available: 3, SentAt: at.Add(time.Hour)},
		}))
		require.NoError(t, b.store.InventorySentPut(b.ctx, nil))
		got, err := b.store.InventorySentList(b.ctx, "acme")
		require.NoError(t, err)
		require.Equal(t, []erp.InventorySent{
			{Shop: "acme", SKU: "AB-9", InventoryItemID: 39072856, LocationID: 655441491, Available: 12, SentAt: at},
			{Shop: "acme", SKU: "TS-001", InventoryItemID: 808950810, LocationID: 487838322, Available: 0, SentAt: at, DryRun: true},
			{Shop: "acme", SKU: "TS-001", InventoryItemID: 808950810, LocationID: 655441491, Available: 3, SentAt: at.Add(time.Hour)},
		}, got)
	})

	t.Run("settings round trip", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		_, err := b.store.SettingGet(b.ctx, "mode")
		require.ErrorIs(t, err, erp.ErrNotFound)
		require.NoError(t, b.store.SettingSet(b.ctx, "mode", "test"))
		require.NoError(t, b.store.SettingSet(b.ctx, "mode", "live"))
		require.NoError(t, b.store.SettingSet(b.ctx, "empty", ""))
		got, err := b.store.SettingGet(b.ctx, "mode")
		require.NoError(t, err)
		require.Equal(t, "live", got)
		got, err = b.store.SettingGet(b.ctx, "empty")
		require.NoError(t, err)
		require.Equal(t, "", got)
		require.ErrorIs(t, b.store.SettingSet(b.ctx, "", "x"), erp.ErrInvalidValue)
	})
}
