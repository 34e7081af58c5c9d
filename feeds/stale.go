package feeds

import (
	"time"

	"github.com/passthrough-dev/passthrough/adapters/erp"
)

// The stale-feed rule, in one place: the health panel, the dashboard and the alerts all ask
// it. A scheduled feed that has not succeeded for three of its intervals is stale; people
// must hear of it, since a feed that keeps failing quietly leaves orders in Shopify.

// StaleAfter is how many intervals without a success make a feed stale.
const StaleAfter = 3

// Expectation is how often a feed of a store should succeed.
type Expectation struct {
	Feed  string // as its executions name it: orders, shipments, inventory, orders-check, stock-check
	Every time.Duration
}

// FeedState is one feed's last success judged against its expectation.
type FeedState struct {
	Feed        string
	Every       time.Duration
	LastSuccess time.Time // zero when it never succeeded (in the runs looked at)
	LastOutcome string    // of its last run, "" without one
	Stale       bool      // no success in StaleAfter intervals
	// StaleSince is when the feed became stale: StaleAfter intervals after its last success,
	// or, for a feed that never succeeded, when the oldest of its runs looked at started.
	// Zero when it is not stale.
	StaleSince time.Time
}

// Succeeded says whether a run counts as a success for the stale rule: a run that finished,
// even with some records left to retry.
func Succeeded(x erp.Execution) bool {
	return x.Outcome == erp.OutcomeFinished || x.Outcome == erp.OutcomeFinishedPartially
}

// CheckFeed judges one feed by its latest runs, newest first (as erp.ExecutionList returns
// them). A feed that has run and never succeeded, or whose last success is older than
// StaleAfter intervals, is stale; one that has not run at all yet (a new deployment) is not
// yet.
func CheckFeed(exp Expectation, runs []erp.Execution, now time.Time) FeedState {
	f := FeedState{Feed: exp.Feed, Every: exp.Every}
	for i, x := range runs {
		if i == 0 {
			f.LastOutcome = x.Outcome
		}
		if Succeeded(x) {
			f.LastSuccess = x.FinishedAt
			break
		}
	}
	switch {
	case f.LastSuccess.IsZero() && len(runs) > 0:
		f.Stale, f.StaleSince = true, runs[len(runs)-1].StartedAt
	case !f.LastSuccess.IsZero() && now.Sub(f.LastSuccess) > StaleAfter*exp.Every:
		f.Stale, f.StaleSince = true, f.LastSuccess.Add(StaleAfter*exp.Every)
	}
	return f
}

// CheckFeeds judges every expected feed by its latest runs (runs[feed], newest first), in
// the order of the expectations.
func CheckFeeds(exps []Expectation, runs map[string][]erp.Execution, now time.Time) []FeedState {
	out := make([]FeedState, 0, len(exps))
	for _, exp := range exps {
		out = append(out, CheckFeed(exp, runs[exp.Feed], now))
	}
	return out
}
