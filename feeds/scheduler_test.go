package feeds_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/feeds"
)

// testLogger logs to the test's output while the test runs (benchmarks log nothing).
// gocron may still log a line of its shutdown after Shutdown returned, which the test
// would refuse as a write after it completed: the writer is closed by a cleanup that runs
// after every cleanup registered later (a scheduler's shutdown), and drops what comes then.
func testLogger(t testing.TB) *slog.Logger {
	if _, bench := t.(*testing.B); bench {
		return slog.New(slog.DiscardHandler)
	}
	w := &untilDone{w: t.Output()}
	t.Cleanup(w.close)
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// untilDone writes to w until closed.
type untilDone struct {
	mu     sync.Mutex
	w      io.Writer
	closed bool
}

func (u *untilDone) Write(p []byte) (int, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.closed {
		return len(p), nil
	}
	return u.w.Write(p)
}

func (u *untilDone) close() {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.closed = true
}

func newScheduler(t *testing.T) (*feeds.Scheduler, *clockwork.FakeClock) {
	t.Helper()
	clock := clockwork.NewFakeClockAt(time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC))
	s, err := feeds.NewScheduler(testLogger(t), clock, nil)
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = s.Shutdown(ctx)
	})
	return s, clock
}

func waitFor(t *testing.T, ch <-chan string) string {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatal("nothing happened within 10s")
		return ""
	}
}

func TestSchedulerRunsATaskOnEachInterval(t *testing.T) {
	t.Parallel()
	s, clock := newScheduler(t)
	type run struct {
		trigger string
		at      time.Time
	}
	ran := make(chan run, 10)
	require.NoError(t, s.Add(feeds.Task{Shop: "acme", Name: "orders", Every: 5 * time.Minute, Run: func(ctx context.Context) error {
		ran <- run{feeds.TriggerFrom(ctx), clock.Now()}
		return nil
	}}))
	start := clock.Now()
	s.Start()

	// The clock moves a minute at a time until the task runs: waiting for "one timer" is
	// not enough, as the run's own timers (its heartbeat) may be the one waited for while
	// the next run's timer is not set yet.
	for i := 1; i <= 2; i++ {
		var got run
		require.Eventually(t, func() bool {
			select {
			case got = <-ran:
				return true
			default:
				clock.Advance(time.Minute)
				return false
			}
		}, 10*time.Second, 5*time.Millisecond)
		require.Equal(t, "schedule", got.trigger)
		require.Equal(t, start.Add(time.Duration(i)*5*time.Minute), got.at, "run %d comes on its interval", i)
	}
}

func TestRunNowRefusesOutLoudWhileTheFeedRuns(t *testing.T) {
	t.Parallel()
	s, _ := newScheduler(t)
	started, release := make(chan string, 1), make(chan struct{})
	var runs atomic.Int32
	require.NoError(t, s.Add(feeds.Task{Shop: "acme", Name: "orders", Every: time.Hour, Run: func(ctx context.Context) error {
		runs.Add(1)
		started <- feeds.TriggerFrom(ctx)
		<-release
		return nil
	}}))
	require.NoError(t, s.Add(feeds.Task{Shop: "acme", Name: "orders-daily", Feed: "orders", DailyAt: "03:00", Run: func(context.Context) error {
		runs.Add(1)
		return nil
	}}))
	s.Start()

	require.NoError(t, s.RunNow("acme", "orders"))
	require.Equal(t, "manual", waitFor(t, started))

	err := s.RunNow("acme", "orders")
	require.ErrorIs(t, err, feeds.ErrAlreadyRunning)
	err = s.RunNow("acme", "orders-daily")
	require.ErrorIs(t, err, feeds.ErrAlreadyRunning, "tasks of one feed never overlap")

	close(release)
	require.Eventually(t, func() bool { return s.RunNow("acme", "orders") == nil }, 10*time.Second, 5*time.Millisecond)
	waitFor(t, started)
	require.Equal(t, int32(2), runs.Load())
}

func TestATickWhileTheFeedRunsIsSkippedNotQueued(t *testing.T) {
	t.Parallel()
	s, clock := newScheduler(t)
	started, release := make(chan string, 10), make(chan struct{})
	var runs atomic.Int32
	require.NoError(t, s.Add(feeds.Task{Shop: "acme", Name: "orders", Every: 5 * time.Minute, Run: func(ctx context.Context) error {
		runs.Add(1)
		started <- feeds.TriggerFrom(ctx)
		<-release
		return nil
	}}))
	s.Start()
	require.NoError(t, clock.BlockUntilContext(t.Context(), 1))

	require.NoError(t, s.RunNow("acme", "orders"))
	waitFor(t, started)
	clock.Advance(5 * time.Minute) // the tick finds the feed busy
	require.Eventually(t, func() bool { return s.Status()[0].Skipped == 1 }, 10*time.Second, 5*time.Millisecond)
	close(release)

	require.Eventually(t, func() bool {
		for _, st := range s.Status() {
			if st.Running {
				return false
			}
		}
		return true
	}, 10*time.Second, 5*time.Millisecond)
	require.Equal(t, int32(1), runs.Load(), "the busy tick was not queued behind the manual run")
}

func TestAPanickingTaskDoesNotStopTheScheduler(t *testing.T) {
	t.Parallel()
	s, _ := newScheduler(t)
	var calls atomic.Int32
	done := make(chan string, 2)
	require.NoError(t, s.Add(feeds.Task{Shop: "acme", Name: "inventory", Every: time.Hour, Run: func(context.Context) error {
		defer func() { done <- "returned" }()
		if calls.Add(1) == 1 {
			panic("boom")
		}
		return errors.New("plain failure")
	}}))
	s.Start()

	require.NoError(t, s.RunNow("acme", "inventory"))
	waitFor(t, done)
	require.Eventually(t, func() bool { return s.RunNow("acme", "inventory") == nil }, 10*time.Second, 5*time.Millisecond)
	waitFor(t, done)
	require.Equal(t, int32(2), calls.Load())
}

func TestShutdownCancelsAndWaitsForTheRunningTask(t *testing.T) {
	t.Parallel()
	s, _ := newScheduler(t)
	started := make(chan string, 1)
	var finished atomic.Bool
	require.NoError(t, s.Add(feeds.Task{Shop: "acme", Name: "shipments", Every: time.Hour, Run: func(ctx context.Context) error {
		started <- "started"
		<-ctx.Done()
		time.Sleep(20 * time.Millisecond) // finishing the record it is on
		finished.Store(true)
		return ctx.Err()
	}}))
	s.Start()
	require.NoError(t, s.RunNow("acme", "shipments"))
	waitFor(t, started)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, s.Shutdown(ctx))
	require.True(t, finished.Load(), "Shutdown returned before the task did")
	require.Error(t, s.RunNow("acme", "shipments"), "no new runs after shutdown")
}

func TestStatusAndBadTasks(t *testing.T) {
	t.Parallel()
	s, _ := newScheduler(t)
	noop := func(context.Context) error { return nil }
	require.NoError(t, s.Add(feeds.Task{Shop: "acme", Name: "orders", Every: 5 * time.Minute, Run: noop}))
	require.NoError(t, s.Add(feeds.Task{Shop: "acme", Name: "orders-daily", Feed: "orders", DailyAt: "02:30", Run: noop}))

	tests := []struct {
		name string
		task feeds.Task
		want string
	}{
		{"a duplicate name", feeds.Task{Shop: "acme", Name: "orders", Every: time.Minute, Run: noop}, "a task of that name exists"},
		{"no schedule", feeds.Task{Shop: "acme", Name: "x", Run: noop}, "give it Every or DailyAt"},
		{"a bad daily time", feeds.Task{Shop: "acme", Name: "y", DailyAt: "7pm", Run: noop}, `daily time "7pm" is not HH:MM`},
		{"no function", feeds.Task{Shop: "acme", Name: "z", Every: time.Minute}, "needs a name and a Run function"},
	}
	for _, tt := range tests {
		require.ErrorContains(t, s.Add(tt.task), tt.want, tt.name)
	}
	require.ErrorIs(t, s.RunNow("acme", "nope"), feeds.ErrUnknownTask)

	s.Start()
	st := s.Status()
	require.Len(t, st, 2)
	require.Equal(t, "orders", st[0].Name)
	require.Equal(t, "every 5m0s", st[0].Schedule)
	require.Equal(t, "daily at 02:30", st[1].Schedule)
	require.Equal(t, "orders", st[1].Feed)
}
