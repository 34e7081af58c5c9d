package erptest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/ledger"
)

func runCounts(t *testing.T, open Opener) {
	t.Run("the ledger is counted by status, with the orders the ERP has imported", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		got, err := b.store.LedgerStatusCounts(b.ctx, "acme")
		require.NoError(t, err)
		require.Equal(t, erp.LedgerCounts{ByStatus: map[ledger.Status]int{}}, got, "an empty ledger")

		for i, st := range []ledger.Status{ledger.StatusStaged, ledger.StatusStaged, ledger.StatusStaged, ledger.StatusWaiting,
			ledger.StatusFailed, ledger.StatusFailed, ledger.StatusExcluded} {
			id := int64(1001 + i)
			e := ledger.Entry{Shop: "acme", OrderID: id, Status: st}
			if st == ledger.StatusStaged {
				p := Order("acme", id, 1)
				p.Ledger = e
				require.NoError(t, b.store.OrderStage(b.ctx, p))
				continue
			}
			require.NoError(t, b.store.LedgerPut(b.ctx, e))
		}
		require.NoError(t, b.store.LedgerPut(b.ctx, ledger.Entry{Shop: "other", OrderID: 1, Status: ledger.StatusFailed}))
		b.exec(t, "UPDATE s_orders SET import_status = 'I' WHERE web_order_id = ?1", int64(1001))
		b.exec(t, "UPDATE s_orders SET import_status = '  ' WHERE web_order_id = ?1", int64(1002))

		got, err = b.store.LedgerStatusCounts(b.ctx, "acme")
		require.NoError(t, err)
		require.Equal(t, erp.LedgerCounts{ByStatus: map[ledger.Status]int{ledger.StatusStaged: 3, ledger.StatusWaiting: 1,
			ledger.StatusFailed: 2, ledger.StatusExcluded: 1}, Imported: 1}, got, "a blank import status is not an import; other shops are not counted")
	})
}

func runColumnsNow(t *testing.T, open Opener) {
	t.Run("a column the ERP adds while passthrough runs is seen by TableColumnsNow, and then staged", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		before, err := b.store.TableColumns(b.ctx, "s_orders")
		require.NoError(t, err)
		b.exec(t, "ALTER TABLE s_orders ADD gift_note VARCHAR(100) NULL")
		cached, err := b.store.TableColumns(b.ctx, "s_orders")
		require.NoError(t, err)
		require.Equal(t, before, cached, "TableColumns keeps what it read")

		now, err := b.store.TableColumnsNow(b.ctx, "s_orders")
		require.NoError(t, err)
		require.Len(t, now, len(before)+1)
		require.Equal(t, "gift_note", now[len(now)-1].Name)
		p := Order("acme", 1001, 1)
		p.HeaderRow.Set("gift_note", "happy birthday")
		require.NoError(t, b.store.OrderStage(b.ctx, p), "staging uses the columns read now")
		require.Equal(t, "happy birthday", str(b.header(t, "acme", 1001)["gift_note"]))

		_, err = b.store.TableColumnsNow(b.ctx, "no_such_table")
		require.ErrorIs(t, err, erp.ErrNotFound)
	})
}
