package alerts_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/alerts"
	"github.com/passthrough-dev/passthrough/feeds"
)

// runsOnly is a source with nothing but runs: a feed's, newest first.
type runsOnly map[string][]erp.Execution

func (runsOnly) ProblemClassList(context.Context, erp.ProblemClassListParams) ([]erp.ProblemClass, error) {
	return nil, nil
}

func (runsOnly) ExecutionFailedList(context.Context, erp.ExecutionFailedListParams) ([]erp.Execution, error) {
	return nil, nil
}

func (r runsOnly) ExecutionList(_ context.Context, p erp.ExecutionListParams) ([]erp.Execution, error) {
	xs := r[p.Feed]
	return xs[:min(len(xs), p.Limit)], nil
}

func (runsOnly) InventoryCheckGet(context.Context, string) (erp.InventoryCheck, error) {
	return erp.InventoryCheck{}, erp.ErrNotFound
}

func TestAStaleFeedIsToldOnceWhenItGoesStale(t *testing.T) {
	t.Parallel()
	since, until := t0, t0.Add(15*time.Minute)
	// failing are n failed runs, one every step, the newest at until.
	failing := func(n int, step time.Duration) []erp.Execution {
		var xs []erp.Execution
		for i := range n {
			at := until.Add(-time.Duration(i) * step)
			xs = append(xs, erp.Execution{Feed: feeds.FeedOrders, Outcome: erp.OutcomeFailed, StartedAt: at.Add(-time.Second), FinishedAt: at})
		}
		return xs
	}
	exp := []feeds.Expectation{{Feed: feeds.FeedOrders, Every: time.Minute}}
	for _, tc := range []struct {
		name string
		runs []erp.Execution
		told bool
	}{
		{"a feed whose first runs fail in the window is told", failing(5, time.Minute), true},
		{"a feed that went stale before the window is not told again", append(failing(5, time.Minute),
			erp.Execution{Feed: feeds.FeedOrders, Outcome: erp.OutcomeFinished, FinishedAt: since.Add(-10 * time.Minute)}), false},
		// 200 runs in the window (every 4 seconds): the oldest looked at moves on with each.
		{"a feed that has failed for longer than the runs looked at is not told again", failing(201, 4*time.Second), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d, err := alerts.Collect(t.Context(), runsOnly{feeds.FeedOrders: tc.runs}, "acme", exp, since, until)
			require.NoError(t, err)
			require.Equal(t, tc.told, len(d.Stale) == 1)
		})
	}
}
