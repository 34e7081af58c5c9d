package feeds

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/shopify"
)

// FeedOrdersCheck is the completeness check's name in executions and the scheduler.
const FeedOrdersCheck = "orders-check"

// CompletenessRun says which days a completeness check covers.
type CompletenessRun struct {
	// Days is how many days back from today the check goes (today included); default 7.
	Days int
	// Day, when set (YYYY-MM-DD, in the shop's time zone), checks that one day only: the
	// portal's "Import now".
	Day string
}

// checkSettle is how recent an order may be and still be left to the regular runs: the
// check does not count as missing what the next run will read anyway.
const checkSettle = 15 * time.Minute

// CheckCompleteness is the reconciliation Shopify recommends for any integration: day by day,
// in the shop's time zone, it lists the orders Shopify has that were placed that day (ids and
// times only, 250 to a call), finds those the ledger does not have at all (missing) or has in
// an older version (late), handles them one by one, fetched by id, as a run does (imported
// counts those), and records the counts per day. Orders placed in the last quarter of an hour are left to
// the regular runs.
func (f *Orders) CheckCompleteness(ctx context.Context, r CompletenessRun) (erp.Execution, []erp.CompletenessDay, error) {
	f.defaults()
	ctx, x, err := startExecution(ctx, f.Store, f.Log, f.Now, f.Observer, FeedOrdersCheck, f.Shop, TriggerFrom(ctx))
	if err != nil {
		return erp.Execution{}, nil, err
	}
	days, err := f.checkCompleteness(ctx, x, r)
	exec, err := x.finish(ctx, err)
	return exec, days, err
}

// ManualTrigger marks ctx as a person's request from the portal, for the run's record.
func ManualTrigger(ctx context.Context) context.Context { return withTrigger(ctx, "manual") }

func (f *Orders) checkCompleteness(ctx context.Context, x *execution, r CompletenessRun) ([]erp.CompletenessDay, error) {
	set := f.Mappings()
	if set == nil || set.Orders == nil {
		return nil, errors.New("no orders mapping: orders.yaml is missing or does not compile")
	}
	zone, _ := f.Zone(ctx)
	now := f.Now().In(zone)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, zone)
	n := r.Days
	if n <= 0 {
		n = 7
	}
	from, to := today.AddDate(0, 0, 1-n), today.AddDate(0, 0, 1)
	if r.Day != "" {
		d, err := time.ParseInLocation(time.DateOnly, r.Day, zone)
		if err != nil {
			return nil, fmt.Errorf("day %q is not a date (YYYY-MM-DD)", r.Day)
		}
		from, to = d, d.AddDate(0, 0, 1)
	}
	if settled := now.Add(-checkSettle); to.After(settled) {
		to = settled
	}
	byDay := map[string]*erp.CompletenessDay{}
	var order []string
	for d := from; d.Before(to); d = d.AddDate(0, 0, 1) {
		day := d.Format(time.DateOnly)
		byDay[day] = &erp.CompletenessDay{Shop: f.Shop, Day: day}
		order = append(order, day)
	}
	var todo []int64
	dayOf := map[int64]string{}
	q := shopify.OrderQuery{CreatedAtMin: from, CreatedAtMax: to, Fields: []string{"id", "created_at", "updated_at"}}
	err := f.Source.OrderPages(ctx, q, func(pg shopify.OrderPage) error {
		for _, o := range pg.Orders {
			if o.ID == 0 || o.Order == nil {
				continue // unreadable: the regular run records it
			}
			day := o.Order.CreatedAt.In(zone).Format(time.DateOnly)
			c := byDay[day]
			if c == nil {
				continue // on the window's edge, in Shopify's second
			}
			x.exec.Counts.Seen++
			c.ShopifyOrders++
			e, err := f.Store.LedgerGet(ctx, f.Shop, o.ID)
			switch {
			case errors.Is(err, erp.ErrNotFound):
				c.Missing++
			case err != nil:
				return fmt.Errorf("read ledger of order %d: %w", o.ID, err)
			case e.ShopifyUpdatedAt.Before(o.UpdatedAt.UTC().Truncate(time.Second)):
				c.Late++
			default:
				continue
			}
			todo = append(todo, o.ID)
			dayOf[o.ID] = day
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list orders placed from %s: %w", from.Format(time.DateOnly), err)
	}
	for _, id := range todo {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		o, err := f.Source.Order(ctx, id)
		if errors.Is(err, shopify.ErrNotFound) {
			continue // deleted since
		}
		if err != nil {
			return nil, err
		}
		out, err := f.handle(ctx, o, x.exec.ID, "")
		if err != nil {
			return nil, err
		}
		if err := x.count(ctx, out); err != nil {
			return nil, err
		}
		byDay[dayOf[id]].Imported++
	}
	at := f.Now().UTC().Truncate(time.Millisecond) // as the store keeps it
	days := make([]erp.CompletenessDay, 0, len(order))
	for i := len(order) - 1; i >= 0; i-- {
		c := byDay[order[i]]
		c.CheckedAt = at
		days = append(days, *c)
	}
	if err := f.Store.CompletenessPut(ctx, days); err != nil {
		return nil, err
	}
	x.log.Info("completeness checked", "days", len(days), "orders", x.exec.Counts.Seen, "imported", len(todo))
	return days, nil
}
