package feeds_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
	"github.com/passthrough-dev/passthrough/feeds"
)

func TestTheCompletenessCheckFindsAndImportsWhatTheRunsMissed(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, open storeOpener) {
		b := newOrdersBundle(t, open, shopifytest.GenOptions{Orders: 300, SKUs: 20, Seed: 83})
		b.run(t)
		want := b.truth(t)
		ids := b.stagedIDs(t)

		// Three orders the runs never saw, and one changed since the last run.
		lost := ids[:3]
		for _, id := range lost {
			for _, q := range []string{`DELETE FROM s_order_details WHERE web_order_id = `, `DELETE FROM s_orders WHERE web_order_id = `,
				`DELETE FROM pt_ledger_events WHERE order_id = `, `DELETE FROM pt_order_refunds WHERE order_id = `, `DELETE FROM pt_order_ledger WHERE order_id = `} {
				_, err := b.db.ExecContext(t.Context(), q+itoa(id))
				require.NoError(t, err)
			}
		}
		late := ids[3]
		require.NoError(t, b.sim.UpdateOrder(late, func(o map[string]any) {
			o["shipping_address"].(map[string]any)["city"] = "Lexington"
		}))

		b.sim.ResetRequests()
		_, days, err := b.feed.CheckCompleteness(t.Context(), feeds.CompletenessRun{Days: 32})
		require.NoError(t, err)
		require.Len(t, days, 32)
		var total, missing, lateN, imported int
		for i, d := range days {
			if i > 0 {
				require.Less(t, d.Day, days[i-1].Day, "the most recent day first")
			}
			total, missing, lateN, imported = total+d.ShopifyOrders, missing+d.Missing, lateN+d.Late, imported+d.Imported
		}
		require.Equal(t, 300, total, "every order placed in those days")
		require.Equal(t, 3, missing)
		require.Equal(t, 1, lateN)
		require.Equal(t, 4, imported)
		require.Equal(t, want, b.staged(t), "what was missing is staged")
		require.Equal(t, "Lexington", b.header(t, late, "ship_to_city"))

		list, fetched := 0, 0
		for _, r := range b.sim.Requests() {
			switch {
			case filepath.Base(r.Path) == "orders.json":
				list++
			case filepath.Dir(r.Path) != "" && filepath.Base(filepath.Dir(r.Path)) == "orders":
				fetched++
			}
		}
		require.Equal(t, 2, list, "ids and times of 300 orders, 250 to a call")
		require.Equal(t, 4, fetched, "and the four orders to import, by id")

		stored, err := b.store.CompletenessList(t.Context(), shop, 40)
		require.NoError(t, err)
		require.Equal(t, days, stored)

		_, again, err := b.feed.CheckCompleteness(t.Context(), feeds.CompletenessRun{Days: 32})
		require.NoError(t, err)
		for _, d := range again {
			require.Zero(t, d.Missing+d.Late, d.Day)
		}

		_, one, err := b.feed.CheckCompleteness(t.Context(), feeds.CompletenessRun{Day: days[5].Day})
		require.NoError(t, err)
		require.Len(t, one, 1)
		require.Equal(t, days[5].ShopifyOrders, one[0].ShopifyOrders)
		x, err := b.store.ExecutionList(t.Context(), erp.ExecutionListParams{Feed: feeds.FeedOrdersCheck})
		require.NoError(t, err)
		require.Len(t, x, 3, "each check is a run of its own")
	})
}
