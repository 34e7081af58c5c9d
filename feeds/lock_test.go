package feeds_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/erp/erpsqlite"
	"github.com/passthrough-dev/passthrough/feeds"
)

// lockStore is a migrated SQLite database: what every process of a deployment shares.
func lockStore(t *testing.T) *erpsqlite.Store {
	t.Helper()
	s, err := erpsqlite.Open(t.Context(), "file:"+filepath.Join(t.TempDir(), "erp.db"))
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	_, err = s.Migrate(t.Context())
	require.NoError(t, err)
	return s
}

// process is the locks of one process on the shared database.
func process(t *testing.T, store feeds.LockStore, host string, lease time.Duration) *feeds.Locks {
	owner := feeds.NewOwner()
	owner.Host = host
	return feeds.NewLocks(store, owner, lease, testLogger(t))
}

// flakyRenewals is the database as a lock holder sees it when renewals fail.
type flakyRenewals struct {
	feeds.LockStore
	err atomic.Pointer[error]
}

func (f *flakyRenewals) LockRenew(ctx context.Context, l erp.Lock, ttl time.Duration) error {
	if err := f.err.Load(); err != nil {
		return *err
	}
	return f.LockStore.LockRenew(ctx, l, ttl)
}

func (f *flakyRenewals) fail(err error) { f.err.Store(&err) }

func TestAFeedLockIsOneProcessesAtATime(t *testing.T) {
	t.Parallel()
	store := lockStore(t)
	a, b := process(t, store, "web-1", time.Minute), process(t, store, "web-2", time.Minute)

	held, err := a.Acquire(t.Context(), "acme", feeds.FeedShipments)
	require.NoError(t, err)
	_, err = a.Acquire(t.Context(), "acme", feeds.FeedShipments)
	require.ErrorIs(t, err, feeds.ErrAlreadyRunning, "this process runs it")
	require.NotErrorIs(t, err, erp.ErrLocked)

	_, err = b.Acquire(t.Context(), "acme", feeds.FeedShipments)
	require.ErrorIs(t, err, feeds.ErrAlreadyRunning, "another process runs it")
	var locked *erp.LockedError
	require.ErrorAs(t, err, &locked)
	require.Equal(t, a.Owner(), locked.Holder.Owner, "the refusal names the process")
	require.Contains(t, err.Error(), "shipments of acme is held by web-1 pid")

	other, err := b.Acquire(t.Context(), "other-shop", feeds.FeedShipments)
	require.NoError(t, err, "another shop's feed is free")
	require.NoError(t, other.Release())

	stock, err := b.Acquire(t.Context(), "acme", feeds.FeedInventory)
	require.NoError(t, err)
	_, err = a.Acquire(t.Context(), "acme", feeds.FeedStockCheck)
	require.ErrorIs(t, err, erp.ErrLocked, "the stock check shares the inventory feed's lock")
	require.NoError(t, stock.Release())

	orders, err := b.Acquire(t.Context(), "acme", feeds.FeedOrders)
	require.NoError(t, err)
	_, err = a.Acquire(t.Context(), "acme", feeds.FeedOrdersCheck)
	require.ErrorIs(t, err, erp.ErrLocked, "the completeness check shares the orders feed's lock")
	require.NoError(t, orders.Release())

	require.NoError(t, held.Release())
	require.NoError(t, held.Release(), "a second release does nothing")
	again, err := b.Acquire(t.Context(), "acme", feeds.FeedShipments)
	require.NoError(t, err, "a released lock is free at once")
	require.NoError(t, again.Release())
}

func TestAHeldLockIsRenewedForAsLongAsTheRunLasts(t *testing.T) {
	t.Parallel()
	store := lockStore(t)
	const lease = 400 * time.Millisecond
	a, b := process(t, store, "web-1", lease), process(t, store, "web-2", lease)
	held, err := a.Acquire(t.Context(), "acme", feeds.FeedOrders)
	require.NoError(t, err)
	time.Sleep(3 * lease)
	_, err = b.Acquire(t.Context(), "acme", feeds.FeedOrders)
	require.ErrorIs(t, err, erp.ErrLocked, "three leases on, the holder's renewals keep it")
	require.NoError(t, held.Context().Err())
	require.NoError(t, held.Release())
}

func TestWaitTakesTheLockWhenItsHolderReleasesIt(t *testing.T) {
	t.Parallel()
	store := lockStore(t)
	a, b := process(t, store, "web-1", time.Minute), process(t, store, "web-2", time.Minute)
	held, err := a.Acquire(t.Context(), "acme", feeds.FeedOrders)
	require.NoError(t, err)
	time.AfterFunc(200*time.Millisecond, func() { _ = held.Release() })
	got, err := b.Wait(t.Context(), "acme", feeds.FeedOrders, 30*time.Second)
	require.NoError(t, err)
	require.NoError(t, got.Release())

	held, err = a.Acquire(t.Context(), "acme", feeds.FeedOrders)
	require.NoError(t, err)
	defer held.Release()
	_, err = b.Wait(t.Context(), "acme", feeds.FeedOrders, 100*time.Millisecond)
	require.ErrorIs(t, err, erp.ErrLocked, "a wait that runs out says who holds the lock")
}

func TestARunWhoseLockIsTakenOverStops(t *testing.T) {
	t.Parallel()
	store := lockStore(t)
	flaky := &flakyRenewals{LockStore: store}
	const lease = 2 * time.Second
	a := feeds.NewLocks(flaky, feeds.NewOwner(), lease, testLogger(t))
	held, err := a.Acquire(t.Context(), "acme", feeds.FeedShipments)
	require.NoError(t, err)
	flaky.fail(erp.ErrLockLost) // as when another process took the lock over
	select {
	case <-held.Context().Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the run's context did not end")
	}
	require.ErrorIs(t, held.Err(), erp.ErrLockLost)
	require.ErrorIs(t, context.Cause(held.Context()), erp.ErrLockLost)
	require.NoError(t, held.Release())
}

func TestARunThatCannotRenewItsLockStopsBeforeAnotherProcessMayStart(t *testing.T) {
	t.Parallel()
	store := lockStore(t)
	flaky := &flakyRenewals{LockStore: store}
	const lease = 2 * time.Second
	a := feeds.NewLocks(flaky, feeds.NewOwner(), lease, testLogger(t))
	b := process(t, store, "web-2", lease)
	held, err := a.Acquire(t.Context(), "acme", feeds.FeedShipments)
	require.NoError(t, err)
	flaky.fail(errors.New("connection refused")) // the database is out of reach
	select {
	case <-held.Context().Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the run's context did not end")
	}
	require.ErrorIs(t, held.Err(), erp.ErrLockLost)
	_, err = b.Acquire(t.Context(), "acme", feeds.FeedShipments)
	require.ErrorIs(t, err, erp.ErrLocked, "the run stopped while its lease still kept everyone else out")
	got, err := b.Wait(t.Context(), "acme", feeds.FeedShipments, 2*lease)
	require.NoError(t, err, "once the lease ran out, another process takes over")
	require.True(t, got.Lock().TookOver)
	require.NoError(t, got.Release())
	require.NoError(t, held.Release())
}

func TestTwoSchedulersOnOneDatabaseRunATickOnce(t *testing.T) {
	t.Parallel()
	store := lockStore(t)
	clock := clockwork.NewFakeClockAt(time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC))
	var running, most, runs atomic.Int32
	release := make(chan struct{})
	started := make(chan string, 4)
	var scheds []*feeds.Scheduler
	for _, host := range []string{"web-1", "web-2"} {
		s, err := feeds.NewScheduler(testLogger(t), clock, process(t, store, host, time.Minute))
		require.NoError(t, err)
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = s.Shutdown(ctx)
		})
		require.NoError(t, s.Add(feeds.Task{Shop: "acme", Name: "shipments", Every: 5 * time.Minute, Run: func(ctx context.Context) error {
			n := running.Add(1)
			defer running.Add(-1)
			if n > most.Load() {
				most.Store(n)
			}
			runs.Add(1)
			started <- host
			<-release
			return nil
		}}))
		scheds = append(scheds, s)
		s.Start()
	}
	require.NoError(t, clock.BlockUntilContext(t.Context(), 2))
	clock.Advance(5 * time.Minute)
	winner := waitFor(t, started)
	skipped := func() int {
		n := 0
		for _, s := range scheds {
			n += s.Status()[0].Skipped
		}
		return n
	}
	require.Eventually(t, func() bool { return skipped() == 1 }, 10*time.Second, 5*time.Millisecond, "the other replica's tick found the feed running")

	loser := scheds[0]
	if winner == "web-1" {
		loser = scheds[1]
	}
	err := loser.RunNow("acme", "shipments")
	require.ErrorIs(t, err, feeds.ErrAlreadyRunning, "Run now in the other replica says it runs")
	require.ErrorContains(t, err, "held by "+winner)
	close(release)
	require.Eventually(t, func() bool { return loser.RunNow("acme", "shipments") == nil }, 10*time.Second, 5*time.Millisecond)
	waitFor(t, started)
	require.Equal(t, int32(1), most.Load(), "never two runs at once")
	require.Equal(t, int32(2), runs.Load())
}

// lostAcquireAnswer is the database as a process being stopped sees it: the lock is taken,
// and the answer lost.
type lostAcquireAnswer struct{ feeds.LockStore }

func (s lostAcquireAnswer) LockAcquire(ctx context.Context, p erp.LockParams) (erp.Lock, error) {
	if _, err := s.LockStore.LockAcquire(context.WithoutCancel(ctx), p); err != nil {
		return erp.Lock{}, err
	}
	return erp.Lock{}, context.Canceled
}

func TestALockWhoseAnswerWasLostDoesNotHoldOtherProcessesOff(t *testing.T) {
	t.Parallel()
	store := lockStore(t)
	stopped := process(t, lostAcquireAnswer{store}, "web-1", time.Hour)
	_, err := stopped.Acquire(t.Context(), "acme", feeds.FeedOrders)
	require.ErrorIs(t, err, context.Canceled)

	held, err := process(t, store, "web-2", time.Hour).Acquire(t.Context(), "acme", feeds.FeedOrders)
	require.NoError(t, err, "the lock the lost answer took is freed, not left for an hour's lease")
	require.NoError(t, held.Release())
}
