package portal

import (
	"context"

	"github.com/passthrough-dev/passthrough/record"
)

// TestShipments are the shipments test mode handled without sending: going live offers to
// send them, listing them first.
type TestShipments interface {
	// List is their rows, oldest first.
	List(ctx context.Context) ([]record.ShipmentRow, error)
	// Release makes them unsent again, so the shipments feed sends them on its next run,
	// and says how many rows. It runs under the shipments feed's lock: an error wrapping
	// feeds.ErrAlreadyRunning while the feed runs anywhere.
	Release(ctx context.Context) (int, error)
}
