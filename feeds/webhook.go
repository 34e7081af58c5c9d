package feeds

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/passthrough-dev/passthrough/record"
)

// Handle maps and stages one order now, outside any run: an order a webhook brought. It is
// the same handling a run gives each order of a page — the current mapping, the ledger, one
// transaction per order — so the run that meets the order later finds nothing new to stage,
// and a version older than the one the ledger holds changes nothing. It reports whether the
// order was written; an error means the order could not be handled now (the database, the
// context, no mapping) and should be handled again later. What is wrong with the order
// itself is on its ledger entry, as after a run.
func (f *Orders) Handle(ctx context.Context, o record.RawOrder) (bool, error) {
	f.defaults()
	if set := f.Mappings(); set == nil || set.Orders == nil {
		return false, errors.New("no orders mapping: orders.yaml is missing or does not compile")
	}
	f.Zone(ctx)
	out, err := f.handle(ctx, o, 0, "")
	return out.written, err
}

// Refresh fetches one order from Shopify and handles it as Handle does: for webhooks that
// say an order changed without carrying it (refunds/create, orders/edited).
func (f *Orders) Refresh(ctx context.Context, orderID int64) (bool, error) {
	f.defaults()
	o, err := f.Source.Order(ctx, orderID)
	if err != nil {
		return false, fmt.Errorf("fetch order %d: %w", orderID, err)
	}
	return f.Handle(ctx, o)
}

// orderLocks hold one order to one goroutine at a time, by its id, in a fixed number of
// stripes: a lock is held only while one order is handled, so sharing a stripe costs
// little, and the set never grows.
type orderLocks struct {
	stripes [64]sync.Mutex
}

// lock takes the order's lock and returns what lets it go.
func (l *orderLocks) lock(orderID int64) func() {
	m := &l.stripes[uint64(orderID)%uint64(len(l.stripes))]
	m.Lock()
	return m.Unlock
}
