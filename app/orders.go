package app

import (
	"context"
	"time"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/feeds"
	"github.com/passthrough-dev/passthrough/record"
)

// zone is the shop's time zone for the portal: the configured one, Shopify's (asked for a
// few seconds at most, so a store that does not answer delays nothing), or the one kept from
// an earlier run; UTC when none says.
func (s *Shop) zone(ctx context.Context) *time.Location {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	loc, ok := s.Orders.Zone(ctx)
	if !ok {
		s.Log.Warn("the shop's time zone is not known yet; the portal shows UTC until the next start")
	}
	return loc
}

// completeness is a store's completeness check as the portal's page uses it.
type completeness struct {
	a *App
	s *Shop
}

func (c completeness) Days(ctx context.Context) ([]erp.CompletenessDay, error) {
	return c.a.Store.CompletenessList(ctx, c.s.Name(), 0)
}

// Check imports what one day misses under the orders feed's lock, as Run now would: it
// refuses while the feed runs, here or in another process.
func (c completeness) Check(ctx context.Context, day string) (erp.CompletenessDay, error) {
	held, err := c.a.Locks.Acquire(ctx, c.s.Name(), feeds.FeedOrdersCheck)
	if err != nil {
		return erp.CompletenessDay{}, err
	}
	defer held.Release()
	_, days, err := c.s.Orders.CheckCompleteness(feeds.ManualTrigger(held.Context()), feeds.CompletenessRun{Day: day})
	if err != nil || len(days) == 0 {
		return erp.CompletenessDay{}, err
	}
	return days[0], nil
}

// testShipments are the shipments test mode handled for a store, as going live offers them.
type testShipments struct {
	a *App
	s *Shop
}

func (t testShipments) List(ctx context.Context) ([]record.ShipmentRow, error) {
	return t.a.Store.ShipmentListTest(ctx, t.s.Name())
}

// releaseWait is how long going live waits for a shipments run to end before it gives up
// setting the test shipments to send.
const releaseWait = 10 * time.Second

// Release sets the test shipments to send under the shipments feed's lock, so that no run
// of the feed is between reading them and marking them: a run still in test mode would
// mark them test again.
func (t testShipments) Release(ctx context.Context) (int, error) {
	held, err := t.a.Locks.Wait(ctx, t.s.Name(), feeds.FeedShipments, releaseWait)
	if err != nil {
		return 0, err
	}
	defer held.Release()
	return t.a.Store.ShipmentRelease(held.Context(), t.s.Name())
}
