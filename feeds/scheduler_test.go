package feeds_test

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/feeds"
)

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
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
	ran := make(chan string, 10)
	require.NoError(t, s.Add(feeds.Task{Shop: "acme", Name: "orders", Every: 5 * time.Minute, Run: func(ctx context.Context) error {
		ran <- feeds.TriggerFrom(ctx)
		return nil
	}}))
	s.Start()

	for range 2 {
		require.NoError(t, clock.BlockUntilContext(t.Context(), 1))
		clock.Advance(5 * time.Minute)
		require.Equal(t, "schedule", waitFor(t, ran))
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
