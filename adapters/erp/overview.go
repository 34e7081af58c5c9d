package erp

import (
	"context"
	"time"

	"github.com/passthrough-dev/passthrough/ledger"
)

// Overview is what the portal's dashboard and its bell read: a store's recent activity
// counted by the database, window by window, so that a figure costs one range of an index
// however busy the store; and, per user and store, when the user last looked at the store's
// news, kept where every replica reads it.
type Overview interface {
	// ExecutionTally counts a shop's runs started in each window of p.Bounds, by outcome,
	// with the records they counted. Windows without runs are left out.
	ExecutionTally(ctx context.Context, p TallyParams) ([]ExecutionTally, error)
	// LedgerEventTally counts, for each window of p.Bounds, the shop's orders that had a
	// ledger event of status p.Status in it (an order is counted once per window): one
	// number per window, in order.
	LedgerEventTally(ctx context.Context, p TallyParams) ([]int, error)
	// ExecutionFailedList (the failed runs since a time, for the bell) is the alerts' own:
	// the Alerts role has it.
	ExecutionFailedList(ctx context.Context, p ExecutionFailedListParams) ([]Execution, error)
	// NoticeSeenGet says up to when a user has seen a shop's news (new problem classes,
	// failed runs); ErrNotFound when they never marked it read.
	NoticeSeenGet(ctx context.Context, user, shop string) (time.Time, error)
	// NoticeSeenSet records that a user has seen a shop's news up to at.
	NoticeSeenSet(ctx context.Context, user, shop string, at time.Time) error
}

// MaxTallyWindows bounds the windows one tally counts.
const MaxTallyWindows = 48

// TallyParams are windows of time over a shop's records: Bounds[i] <= t < Bounds[i+1] is
// window i. Bounds ascend; at least two and at most MaxTallyWindows+1 of them, or
// ErrInvalidValue.
type TallyParams struct {
	Shop   string
	Bounds []time.Time
	// Status selects the ledger events LedgerEventTally counts.
	Status ledger.Status
}

// ExecutionTally is the runs of one outcome started in one window.
type ExecutionTally struct {
	Window  int // index into the windows of TallyParams
	Outcome string
	Runs    int
	// Counts adds up the runs' record counts.
	Counts ExecutionCounts
}
