package portal

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/feeds"
)

func TestStockPage(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	at := time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)
	require.NoError(t, f.store.InventorySentPut(context.Background(), []erp.InventorySent{
		{Shop: testShop, SKU: "TS-001", InventoryItemID: 11, LocationID: 1, Available: 12, SentAt: at},
		{Shop: testShop, SKU: "TS-001-X3", InventoryItemID: 13, LocationID: 1, Available: 4, SentAt: at},
		{Shop: testShop, SKU: "MUG-9", InventoryItemID: 21, LocationID: 2, Available: 7, SentAt: at, DryRun: true},
	}))
	f.stock.LocationsFunc = func(context.Context) (map[int64]string, error) {
		return map[int64]string{1: "Main warehouse", 2: "Store front"}, nil
	}
	f.stock.DriftFunc = func(context.Context) (DriftReport, error) {
		return DriftReport{CheckedAt: at, Rows: []DriftRow{{SKU: "TS-001", LocationID: 1, Location: "Main warehouse", ERP: 12, Shopify: 9}}}, nil
	}
	c := login(t, f.srv, "viewer")
	rec := c.get("/stock")
	require.Equal(t, http.StatusOK, rec.Code)
	b := rec.Body.String()
	sent := b[strings.Index(b, "Last sent to Shopify"):strings.Index(b, "<h2>Drift")]
	would := b[strings.Index(b, "Would send"):strings.Index(b, "Last sent to Shopify")]
	require.Contains(t, sent, `<td data-label="SKU">TS-001</td><td data-label="Location">Main warehouse</td>`+"\n"+`<td data-label="Available" class="num">12</td>`)
	require.Contains(t, sent, `<td data-label="SKU">TS-001-X3</td>`)
	require.NotContains(t, sent, "MUG-9", "a dry run was not sent")
	require.Contains(t, would, `<td data-label="SKU">MUG-9</td><td data-label="Location">Store front</td>`+"\n"+`<td data-label="Available" class="num">7</td>`)

	t.Run("the drift says how old it is, what its difference means, and what was sent since", func(t *testing.T) {
		require.Contains(t, b, "From the stock check of 2026-11-20 02:00:00 UTC (7h 00m ago); levels that differ: 1.")
		require.Contains(t, b, "Difference is what Shopify had at the check minus what the ERP says it should have.")
		require.Contains(t, b, `<td data-label="ERP says" class="num">12</td><td data-label="Shopify had" class="num">9</td>`+"\n"+
			`<td data-label="Difference" class="num under">-3</td>`)
		require.NotContains(t, b, "after the check")

		checked := at.Add(-30 * time.Hour)
		f.stock.DriftFunc = func(context.Context) (DriftReport, error) {
			return DriftReport{CheckedAt: checked, Rows: []DriftRow{{SKU: "TS-001", LocationID: 1, Location: "Main warehouse", ERP: 12, Shopify: 15}}}, nil
		}
		b := c.get("/stock").Body.String()
		require.Contains(t, b, `<p class="small flash warn" id="drift-age">From the stock check of 2026-11-18 20:00:00 UTC (37h 00m ago): more than a day old`)
		require.Contains(t, b, `<td data-label="Difference" class="num over">&#43;3</td>`)
		require.Contains(t, b, "2026-11-20 02:00:00 UTC <span class=\"badge info\" title=\"sent after the check: this level may no longer drift\">after the check</span>")
	})

	t.Run("the SKU filter keeps the SKUs that start with it", func(t *testing.T) {
		b := c.get("/stock?sku=ts-001-").Body.String()
		require.Contains(t, b, `<td data-label="SKU">TS-001-X3</td>`)
		require.NotContains(t, b, `<td data-label="SKU">TS-001</td>`)
		require.Contains(t, b, "No drift.")
	})

	t.Run("in live mode there is no would-send list", func(t *testing.T) {
		f := newFixture(t, func(d *Deps) { d.Stores[0].Mode = "live" })
		require.NotContains(t, login(t, f.srv, "viewer").get("/stock").Body.String(), "Would send")
	})

	t.Run("a long list is cut and says how to see the rest", func(t *testing.T) {
		f := newFixture(t, func(d *Deps) { d.Stores[0].Mode = "live" })
		var many []erp.InventorySent
		for i := range stockRows + 5 {
			many = append(many, erp.InventorySent{Shop: testShop, SKU: fmt.Sprintf("SKU-%04d", i), InventoryItemID: int64(i + 1), LocationID: 1, Available: 1, SentAt: at})
		}
		require.NoError(t, f.store.InventorySentPut(context.Background(), many))
		b := login(t, f.srv, "viewer").get("/stock").Body.String()
		require.Contains(t, b, fmt.Sprintf("%d of %d shown; filter by SKU for the rest.", stockRows, stockRows+5))
	})
}

func TestSyncNow(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		err  error
		says string
	}{
		{"starts a full pass", nil, "A full stock sync has started in the background; in test mode it records what it would send and sends nothing."},
		{"says one is already running", fmt.Errorf("inventory: %w", feeds.ErrAlreadyRunning), "A stock sync is already running; nothing new was started."},
		{"says a failure was logged", errors.New("boom"), "Could not start the stock sync; the reason has been logged."},
	} {
		t.Run("Sync now "+tc.name, func(t *testing.T) {
			f := newFixture(t, nil)
			n := 0
			f.stock.SyncNowFunc = func() error { n++; return tc.err }
			c := login(t, f.srv, "operator")
			c.get("/stock")
			rec := c.submit("/stock/sync", nil)
			require.Equal(t, http.StatusSeeOther, rec.Code)
			require.Equal(t, 1, n)
			require.Contains(t, c.get("/stock").Body.String(), tc.says)
		})
	}
	t.Run("without an inventory feed the page says so and Sync now answers 503", func(t *testing.T) {
		f := newFixture(t, func(d *Deps) { d.Stores[0].Stock = nil })
		c := login(t, f.srv, "operator")
		b := c.get("/stock").Body.String()
		require.Contains(t, b, "The inventory feed is not set up")
		require.NotContains(t, b, `id="sync-now"`)
		require.Equal(t, http.StatusServiceUnavailable, c.submit("/stock/sync", nil).Code)
	})
}
