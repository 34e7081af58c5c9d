package app

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/config"
)

func TestEveryFeedsTasksFollowTheConfig(t *testing.T) {
	t.Parallel()
	// task is what the scheduler is given, without the function it runs.
	type task struct {
		Name, Feed string
		Every      time.Duration
		DailyAt    string
	}
	// The stock tasks share the inventory feed, so a delta run and a full pass never
	// overlap; the daily re-fetch of orders shares the orders feed.
	var (
		orders       = task{Name: "orders", Feed: "orders", Every: 5 * time.Minute}
		ordersDaily  = task{Name: "orders-daily", Feed: "orders", DailyAt: "03:30"}
		ordersCheck  = task{Name: "orders-check", Feed: "orders", DailyAt: "03:30"}
		shipments    = task{Name: "shipments", Feed: "shipments", Every: 5 * time.Minute}
		stockDelta   = task{Name: "inventory", Feed: "inventory", Every: 5 * time.Minute}
		stockNightly = task{Name: "inventory-full", Feed: "inventory", DailyAt: "02:00"}
	)
	tests := []struct {
		name   string
		change func(*config.Feeds)
		want   []task
	}{
		{"the default schedule pulls orders, pushes shipments and syncs stock live with a nightly full pass",
			func(*config.Feeds) {}, []task{orders, shipments, stockDelta, stockNightly}},
		{"a daily time and a number of days add the daily re-fetch of orders and the completeness check to the orders feed",
			func(f *config.Feeds) { f.Orders.DailyAt, f.Orders.DailyDays = "03:30", 7 },
			[]task{orders, ordersDaily, ordersCheck, shipments, stockDelta, stockNightly}},
		{"a daily time without days re-fetches nothing",
			func(f *config.Feeds) { f.Orders.DailyAt, f.Orders.DailyDays = "03:30", 0 },
			[]task{orders, shipments, stockDelta, stockNightly}},
		{"disabled orders and shipments feeds have no tasks",
			func(f *config.Feeds) { f.Orders.Disabled, f.Shipments.Disabled = true, true },
			[]task{stockDelta, stockNightly}},
		{"stock sync off has no stock tasks",
			func(f *config.Feeds) { f.Inventory.Mode = config.InventoryOff },
			[]task{orders, shipments}},
		{"daily stock sync is only the nightly full pass",
			func(f *config.Feeds) { f.Inventory.Mode = config.InventoryDaily },
			[]task{orders, shipments, stockNightly}},
		{"live stock sync runs its delta on its own interval",
			func(f *config.Feeds) { f.Inventory.Every = config.Duration(time.Minute) },
			[]task{orders, shipments, {Name: "inventory", Feed: "inventory", Every: time.Minute}, stockNightly}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := config.Default()
			cfg.Shopify.Shop = "acme"
			tt.change(&cfg.Feeds)
			s := &Shop{Config: cfg.StoreList()[0]}
			tasks, err := s.tasks()
			require.NoError(t, err)
			var got []task
			for _, tk := range tasks {
				require.NotNil(t, tk.Run, tk.Name)
				require.Equal(t, "acme", tk.Shop, "every task is the store's")
				got = append(got, task{Name: tk.Name, Feed: tk.Feed, Every: tk.Every, DailyAt: tk.DailyAt})
			}
			require.Equal(t, tt.want, got)
		})
	}

	t.Run("an unknown stock sync mode is refused", func(t *testing.T) {
		t.Parallel()
		cfg := config.Default()
		cfg.Feeds.Inventory.Mode = "hourly"
		_, err := (&Shop{Config: cfg.StoreList()[0]}).tasks()
		require.EqualError(t, err, `inventory mode "hourly" is not one of off, daily, live`)
	})
}
