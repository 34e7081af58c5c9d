package feeds_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/feeds"
)

func TestCheckFeed(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	exp := feeds.Expectation{Feed: feeds.FeedOrders, Every: 5 * time.Minute}
	run := func(outcome string, ago time.Duration) erp.Execution {
		return erp.Execution{Feed: feeds.FeedOrders, Outcome: outcome, StartedAt: now.Add(-ago - time.Minute), FinishedAt: now.Add(-ago)}
	}
	for _, tc := range []struct {
		name string
		runs []erp.Execution // newest first
		want feeds.FeedState
	}{
		{"a feed that has not run yet is not stale", nil,
			feeds.FeedState{Feed: "orders", Every: 5 * time.Minute}},
		{"a feed that succeeded within three intervals is not stale",
			[]erp.Execution{run(erp.OutcomeFailed, 2*time.Minute), run(erp.OutcomeFinished, 14*time.Minute)},
			feeds.FeedState{Feed: "orders", Every: 5 * time.Minute, LastSuccess: now.Add(-14 * time.Minute), LastOutcome: erp.OutcomeFailed}},
		{"a partial success counts as a success",
			[]erp.Execution{run(erp.OutcomeFinishedPartially, 3*time.Minute)},
			feeds.FeedState{Feed: "orders", Every: 5 * time.Minute, LastSuccess: now.Add(-3 * time.Minute), LastOutcome: erp.OutcomeFinishedPartially}},
		{"a feed without a success in three intervals is stale since then",
			[]erp.Execution{run(erp.OutcomeFailed, time.Minute), run(erp.OutcomeFinished, 16*time.Minute)},
			feeds.FeedState{Feed: "orders", Every: 5 * time.Minute, LastSuccess: now.Add(-16 * time.Minute), LastOutcome: erp.OutcomeFailed,
				Stale: true, StaleSince: now.Add(-time.Minute)}},
		{"a feed that never succeeded is stale since its oldest run started",
			[]erp.Execution{run(erp.OutcomeFailed, time.Minute), run(erp.OutcomeFailed, 6*time.Minute)},
			feeds.FeedState{Feed: "orders", Every: 5 * time.Minute, LastOutcome: erp.OutcomeFailed,
				Stale: true, StaleSince: now.Add(-7 * time.Minute)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, feeds.CheckFeed(exp, tc.runs, now))
		})
	}
}

func TestCheckFeedsKeepsTheExpectationsOrder(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	exps := []feeds.Expectation{{Feed: feeds.FeedShipments, Every: time.Hour}, {Feed: feeds.FeedOrders, Every: time.Minute}}
	got := feeds.CheckFeeds(exps, map[string][]erp.Execution{
		feeds.FeedOrders: {{Outcome: erp.OutcomeFinished, FinishedAt: now.Add(-time.Hour)}},
	}, now)
	require.Len(t, got, 2)
	require.Equal(t, feeds.FeedShipments, got[0].Feed)
	require.False(t, got[0].Stale, "shipments have not run yet")
	require.Equal(t, feeds.FeedOrders, got[1].Feed)
	require.True(t, got[1].Stale)
	require.Equal(t, now.Add(-57*time.Minute), got[1].StaleSince)
}
