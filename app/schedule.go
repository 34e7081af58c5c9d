package app

import (
	"context"
	"fmt"
	"time"

	"github.com/passthrough-dev/passthrough/config"
	"github.com/passthrough-dev/passthrough/feeds"
)

// Names of the tasks besides each feed's own (feeds.FeedOrders, feeds.FeedShipments,
// feeds.FeedInventory).
const (
	// TaskOrdersDaily re-fetches the last daily_days days of orders once a day.
	TaskOrdersDaily = feeds.FeedOrders + "-daily"
	// TaskOrdersCheck is the daily completeness check of the last daily_days days.
	TaskOrdersCheck = feeds.FeedOrdersCheck
	// TaskInventoryFull is the nightly full stock pass; the portal's "sync now" runs it.
	TaskInventoryFull = "inventory-full"
)

// schedule adds every store's tasks to the scheduler. Every replica schedules every task
// of every store; the feed locks give each run to one of them.
func (a *App) schedule() error {
	for _, s := range a.Shops {
		tasks, err := s.tasks()
		if err != nil {
			return fmt.Errorf("store %s: %w", s.Name(), err)
		}
		for _, t := range tasks {
			t.Run = a.unlessUninstalled(s.Name(), t.Run)
			if err := a.Scheduler.Add(t); err != nil {
				return err
			}
		}
	}
	return nil
}

// tasks are the scheduler tasks of every feed of the store, as its feeds block asks for them:
//   - orders every feeds.orders.every, and at daily_at a re-fetch of the last daily_days
//     days (TaskOrdersDaily) and the completeness check of those days (TaskOrdersCheck),
//     unless disabled;
//   - shipments every feeds.shipments.every, unless disabled;
//   - inventory by its mode: nothing when off; the nightly full pass at daily_at
//     (TaskInventoryFull) when daily; and besides, a delta run every feeds.inventory.every
//     when live.
//
// The tasks of one feed share the feed's name as their Feed, so they never overlap: the
// re-fetch waits for the orders pull, the full pass for the delta run.
func (s *Shop) tasks() ([]feeds.Task, error) {
	f, shop := s.Config.Feeds, s.Name()
	var tasks []feeds.Task
	if !f.Orders.Disabled {
		tasks = append(tasks, feeds.Task{
			Shop: shop, Name: feeds.FeedOrders, Feed: feeds.FeedOrders, Every: f.Orders.Every.Std(),
			Run: func(ctx context.Context) error {
				_, err := s.Orders.Run(ctx, feeds.OrdersRun{})
				return err
			},
		})
		if f.Orders.DailyAt != "" && f.Orders.DailyDays > 0 {
			tasks = append(tasks, feeds.Task{
				Shop: shop, Name: TaskOrdersDaily, Feed: feeds.FeedOrders, DailyAt: f.Orders.DailyAt,
				Run: func(ctx context.Context) error {
					_, err := s.Orders.Run(ctx, s.refetch())
					return err
				},
			}, feeds.Task{
				Shop: shop, Name: TaskOrdersCheck, Feed: feeds.FeedOrders, DailyAt: f.Orders.DailyAt,
				Run: func(ctx context.Context) error {
					_, _, err := s.Orders.CheckCompleteness(ctx, feeds.CompletenessRun{Days: f.Orders.DailyDays})
					return err
				},
			})
		}
	}
	if !f.Shipments.Disabled {
		tasks = append(tasks, feeds.Task{
			Shop: shop, Name: feeds.FeedShipments, Feed: feeds.FeedShipments, Every: f.Shipments.Every.Std(),
			Run: func(ctx context.Context) error {
				_, err := s.Shipments.Run(ctx)
				return err
			},
		})
	}
	stock, err := s.inventoryTasks(f.Inventory)
	if err != nil {
		return nil, err
	}
	return append(tasks, stock...), nil
}

// inventoryTasks are the tasks the stock sync mode asks for.
func (s *Shop) inventoryTasks(f config.InventoryFeed) ([]feeds.Task, error) {
	full := feeds.Task{Shop: s.Name(), Name: TaskInventoryFull, Feed: feeds.FeedInventory, DailyAt: f.DailyAt, Run: func(ctx context.Context) error {
		_, err := s.Inventory.Run(ctx, feeds.InventoryRun{Full: true})
		return err
	}}
	switch f.Mode {
	case config.InventoryOff:
		return nil, nil
	case config.InventoryDaily:
		return []feeds.Task{full}, nil
	case config.InventoryLive:
		delta := feeds.Task{Shop: s.Name(), Name: feeds.FeedInventory, Feed: feeds.FeedInventory, Every: f.Every.Std(), Run: func(ctx context.Context) error {
			_, err := s.Inventory.Run(ctx, feeds.InventoryRun{})
			return err
		}}
		return []feeds.Task{delta, full}, nil
	}
	return nil, fmt.Errorf("inventory mode %q is not one of off, daily, live", f.Mode)
}

// refetch is the daily orders run's window: the last daily_days days, leaving the watermark
// alone, so an order the regular runs missed is staged within a day.
func (s *Shop) refetch() feeds.OrdersRun {
	return feeds.OrdersRun{Since: s.clock.Now().Add(-time.Duration(s.Config.Feeds.Orders.DailyDays) * 24 * time.Hour)}
}
