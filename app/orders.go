package app

import (
	"context"
	"time"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/feeds"
	"github.com/passthrough-dev/passthrough/record"
)

// shopZone is the shop's time zone for the portal: the configured one, Shopify's (asked for a
// few seconds at most, so a store that does not answer delays nothing), or the one kept from
// an earlier run; UTC when none says.
func (a *App) shopZone(ctx context.Context) *time.Location {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	loc, ok := a.Orders.Zone(ctx)
	if !ok {
		a.Log.Warn("the shop's time zone is not known yet; the portal shows UTC until the next start")
	}
	return loc
}

// completeness is the completeness check as the portal's page uses it.
type completeness struct{ a *App }

func (c completeness) Days(ctx context.Context) ([]erp.CompletenessDay, error) {
	return c.a.Store.CompletenessList(ctx, c.a.Config.Shopify.Shop, 0)
}

func (c completeness) Check(ctx context.Context, day string) (erp.CompletenessDay, error) {
	_, days, err := c.a.Orders.CheckCompleteness(feeds.ManualTrigger(ctx), feeds.CompletenessRun{Day: day})
	if err != nil || len(days) == 0 {
		return erp.CompletenessDay{}, err
	}
	return days[0], nil
}

// testShipments are the shipments test mode handled, as going live offers them.
type testShipments struct{ a *App }

func (t testShipments) List(ctx context.Context) ([]record.ShipmentRow, error) {
	return t.a.Store.ShipmentListTest(ctx, t.a.Config.Shopify.Shop)
}

func (t testShipments) Release(ctx context.Context) (int, error) {
	return t.a.Store.ShipmentRelease(ctx, t.a.Config.Shopify.Shop)
}
