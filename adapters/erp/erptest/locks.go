package erptest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/erp"
)

// Processes of the cases below: two hosts, as two replicas of `serve` would be.
var (
	web1 = erp.Owner{ID: "0b7f6a3e-1111-4c2d-9e8f-000000000001", Host: "web-1", PID: 101}
	web2 = erp.Owner{ID: "0b7f6a3e-2222-4c2d-9e8f-000000000002", Host: "web-2", PID: 202}
)

func lockOf(owner erp.Owner, token string, ttl time.Duration) erp.LockParams {
	return erp.LockParams{Shop: "acme", Name: "shipments", Owner: owner, Token: token, TTL: ttl}
}

// expire waits until a lease of ttl taken now has run out by the database's clock (which
// moves on its own; the store's fake clock has no say in leases).
func expire(ttl time.Duration) { time.Sleep(ttl + 50*time.Millisecond) }

func runLocks(t *testing.T, open Opener) {
	t.Run("a feed lock is held by one process until it releases it", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		got, err := b.store.LockAcquire(b.ctx, lockOf(web1, "t1", time.Hour))
		require.NoError(t, err)
		require.Equal(t, erp.Lock{Shop: "acme", Name: "shipments", Owner: web1, Token: "t1"}, got)

		_, err = b.store.LockAcquire(b.ctx, lockOf(web2, "t2", time.Hour))
		var locked *erp.LockedError
		require.ErrorAs(t, err, &locked)
		require.ErrorIs(t, err, erp.ErrLocked)
		require.Equal(t, web1, locked.Holder.Owner, "the refusal names the holder")
		require.Equal(t, "t1", locked.Holder.Token)
		require.False(t, locked.Holder.AcquiredAt.IsZero(), "and since when it holds the lock")
		require.True(t, locked.Holder.ExpiresAt.After(locked.Holder.AcquiredAt))
		require.Regexp(t, `^shipments of acme is held by web-1 pid 101 \(instance 0b7f6a3e\) since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$`, err.Error())

		_, err = b.store.LockAcquire(b.ctx, erp.LockParams{Shop: "other", Name: "shipments", Owner: web2, Token: "t2", TTL: time.Hour})
		require.NoError(t, err, "another shop's feed is another lock")
		_, err = b.store.LockAcquire(b.ctx, erp.LockParams{Shop: "acme", Name: "orders", Owner: web2, Token: "t2", TTL: time.Hour})
		require.NoError(t, err, "another feed is another lock")

		again, err := b.store.LockAcquire(b.ctx, lockOf(web1, "t1", time.Hour))
		require.NoError(t, err, "the same holding takes it again (a renewal)")
		require.False(t, again.TookOver)
		require.NoError(t, b.store.LockRenew(b.ctx, got, time.Hour))

		require.NoError(t, b.store.LockRelease(b.ctx, got))
		_, err = b.store.LockAcquire(b.ctx, lockOf(web2, "t2", time.Hour))
		require.NoError(t, err, "a released lock is free")
		require.ErrorIs(t, b.store.LockRenew(b.ctx, got, time.Hour), erp.ErrLockLost, "and renewing the old holding fails")
	})

	t.Run("a lock whose lease ran out is taken over, and its old holder cannot renew or free it", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		const ttl = 300 * time.Millisecond
		old, err := b.store.LockAcquire(b.ctx, lockOf(web1, "t1", ttl))
		require.NoError(t, err)
		expire(ttl)
		taken, err := b.store.LockAcquire(b.ctx, lockOf(web2, "t2", time.Hour))
		require.NoError(t, err)
		require.True(t, taken.TookOver)
		require.ErrorIs(t, b.store.LockRenew(b.ctx, old, time.Hour), erp.ErrLockLost)
		require.NoError(t, b.store.LockRelease(b.ctx, old), "releasing a lost lock is nothing")
		_, err = b.store.LockAcquire(b.ctx, lockOf(web1, "t3", time.Hour))
		require.ErrorIs(t, err, erp.ErrLocked, "the new holder still holds it")
	})

	t.Run("a lease renewed in time is not taken over", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		const ttl = 400 * time.Millisecond
		held, err := b.store.LockAcquire(b.ctx, lockOf(web1, "t1", ttl))
		require.NoError(t, err)
		for range 4 {
			time.Sleep(ttl / 4)
			require.NoError(t, b.store.LockRenew(b.ctx, held, ttl))
		}
		_, err = b.store.LockAcquire(b.ctx, lockOf(web2, "t2", ttl))
		require.ErrorIs(t, err, erp.ErrLocked, "held well past its first lease, by renewals")
	})

	t.Run("a process takes back a lock it holds under a lost token at once", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		_, err := b.store.LockAcquire(b.ctx, lockOf(web1, "t1", time.Hour))
		require.NoError(t, err)
		got, err := b.store.LockAcquire(b.ctx, lockOf(web1, "t2", time.Hour))
		require.NoError(t, err, "a run of the same process whose release failed leaves nothing to wait for")
		require.True(t, got.TookOver)
	})

	t.Run("leases are judged by the database's clock, not the process's", func(t *testing.T) {
		t.Parallel()
		// A process whose clock is a year ahead must not think another's lease has run out.
		ahead := NewClock(time.Now().AddDate(1, 0, 0))
		b := setup(t, open, erp.WithClock(ahead.Now))
		_, err := b.store.LockAcquire(b.ctx, lockOf(web1, "t1", time.Minute))
		require.NoError(t, err)
		_, err = b.store.LockAcquire(b.ctx, lockOf(web2, "t2", time.Minute))
		require.ErrorIs(t, err, erp.ErrLocked)
	})

	t.Run("of many processes asking at once, one gets the lock", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		const n = 8
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				owner := erp.Owner{ID: fmt.Sprintf("owner-%d", i), Host: "web", PID: i}
				_, errs[i] = b.store.LockAcquire(b.ctx, lockOf(owner, fmt.Sprintf("t%d", i), time.Hour))
			})
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			if err == nil {
				won++
				continue
			}
			require.ErrorIs(t, err, erp.ErrLocked)
		}
		require.Equal(t, 1, won)
	})

	t.Run("LockList shows the shop's held locks only", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		_, err := b.store.LockAcquire(b.ctx, erp.LockParams{Shop: "acme", Name: "orders", Owner: web1, Token: "t1", TTL: time.Hour})
		require.NoError(t, err)
		_, err = b.store.LockAcquire(b.ctx, erp.LockParams{Shop: "acme", Name: "inventory", Owner: web2, Token: "t2", TTL: 200 * time.Millisecond})
		require.NoError(t, err)
		_, err = b.store.LockAcquire(b.ctx, erp.LockParams{Shop: "other", Name: "orders", Owner: web2, Token: "t3", TTL: time.Hour})
		require.NoError(t, err)
		expire(200 * time.Millisecond)
		locks, err := b.store.LockList(b.ctx, "acme")
		require.NoError(t, err)
		require.Len(t, locks, 1)
		require.Equal(t, "orders", locks[0].Name)
		require.Equal(t, web1, locks[0].Owner)
		require.False(t, locks[0].AcquiredAt.IsZero())
	})

	t.Run("a shipment is claimed by one process; a claim run out is taken over and says so", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		const ttl = 300 * time.Millisecond
		claim := erp.LockParams{Shop: "acme", Name: "SH-1", Owner: web1, Token: "t1", TTL: ttl}
		first, err := b.store.ShipmentClaim(b.ctx, claim)
		require.NoError(t, err)
		require.False(t, first.TookOver)
		other := erp.LockParams{Shop: "acme", Name: "SH-1", Owner: web2, Token: "t2", TTL: ttl}
		_, err = b.store.ShipmentClaim(b.ctx, other)
		require.ErrorIs(t, err, erp.ErrLocked)
		_, err = b.store.ShipmentClaim(b.ctx, erp.LockParams{Shop: "acme", Name: "SH-2", Owner: web2, Token: "t2", TTL: ttl})
		require.NoError(t, err, "another shipment is another claim")
		_, err = b.store.LockAcquire(b.ctx, erp.LockParams{Shop: "acme", Name: "SH-1", Owner: web2, Token: "t2", TTL: ttl})
		require.NoError(t, err, "claims and feed locks are apart")

		_, err = b.store.ShipmentClaim(b.ctx, claim)
		require.NoError(t, err, "the holder claims it again to extend it")
		expire(ttl)
		taken, err := b.store.ShipmentClaim(b.ctx, other)
		require.NoError(t, err)
		require.True(t, taken.TookOver, "the one taking over knows to ask Shopify first")

		require.NoError(t, b.store.ShipmentClaimRelease(b.ctx, first), "the old holder's release frees nothing")
		_, err = b.store.ShipmentClaim(b.ctx, erp.LockParams{Shop: "acme", Name: "SH-1", Owner: web1, Token: "t3", TTL: ttl})
		require.ErrorIs(t, err, erp.ErrLocked)
		require.NoError(t, b.store.ShipmentClaimRelease(b.ctx, taken))
		_, err = b.store.ShipmentClaim(b.ctx, erp.LockParams{Shop: "acme", Name: "SH-1", Owner: web1, Token: "t3", TTL: ttl})
		require.NoError(t, err, "a released claim is free")
	})

	t.Run("a lock without a shop, name, owner, token or lease is refused", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		for _, p := range []erp.LockParams{
			{Name: "orders", Owner: web1, Token: "t", TTL: time.Minute},
			{Shop: "acme", Owner: web1, Token: "t", TTL: time.Minute},
			{Shop: "acme", Name: "orders", Token: "t", TTL: time.Minute},
			{Shop: "acme", Name: "orders", Owner: web1, TTL: time.Minute},
			{Shop: "acme", Name: "orders", Owner: web1, Token: "t"},
		} {
			_, err := b.store.LockAcquire(b.ctx, p)
			require.ErrorIs(t, err, erp.ErrInvalidValue, "%+v", p)
		}
	})

	t.Run("only runs whose owner stopped heartbeating are closed as interrupted, at their last heartbeat", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		start := func(feed, shop, token string) erp.Execution {
			x, err := b.store.ExecutionStart(b.ctx, erp.ExecutionStartParams{Feed: feed, Shop: shop, Trigger: "schedule",
				Owner: web1.String(), LockToken: token})
			require.NoError(t, err)
			require.Equal(t, web1.String(), x.Owner)
			return x
		}
		live, err := b.store.LockAcquire(b.ctx, erp.LockParams{Shop: "acme", Name: "inventory", Owner: web1, Token: "live", TTL: time.Hour})
		require.NoError(t, err)
		alive := start("inventory", "acme", "live")
		dead := start("stock-check", "acme", "dead")
		noLock := start("inventory", "acme", "")
		otherFeed := start("orders", "acme", "dead")
		otherShop := start("inventory", "other", "dead")

		const after = 400 * time.Millisecond
		time.Sleep(after + 100*time.Millisecond)
		require.NoError(t, b.store.LockRenew(b.ctx, live, time.Hour), "the living run's lock is renewed, and with it its heartbeat")
		n, err := b.store.ExecutionCloseStale(b.ctx, erp.ExecutionCloseStaleParams{Shop: "acme", Feeds: []string{"inventory", "stock-check"},
			After: after, Error: "interrupted: its process stopped heartbeating"})
		require.NoError(t, err)
		require.Equal(t, 2, n)

		for _, x := range []erp.Execution{alive, otherFeed, otherShop} {
			got, err := b.store.ExecutionGet(b.ctx, x.ID)
			require.NoError(t, err)
			require.Equal(t, erp.OutcomeRunning, got.Outcome, "%s of %s", got.Feed, got.Shop)
		}
		for _, x := range []erp.Execution{dead, noLock} {
			got, err := b.store.ExecutionGet(b.ctx, x.ID)
			require.NoError(t, err)
			require.Equal(t, erp.OutcomeFailed, got.Outcome)
			require.Equal(t, "interrupted: its process stopped heartbeating", got.Error)
			require.False(t, got.FinishedAt.IsZero(), "it ends at its last heartbeat")
			require.WithinDuration(t, time.Now(), got.FinishedAt, time.Minute, "by the database's clock, not the store's fake one")
		}
		_, err = b.store.ExecutionCloseStale(b.ctx, erp.ExecutionCloseStaleParams{Shop: "acme", After: time.Second})
		require.ErrorIs(t, err, erp.ErrInvalidValue, "no feeds named")
	})

	t.Run("executions and problems are listed by shop", func(t *testing.T) {
		t.Parallel()
		b := setup(t, open)
		ids := map[string][]int64{}
		for _, shop := range []string{"acme", "other", "acme"} {
			x, err := b.store.ExecutionStart(b.ctx, erp.ExecutionStartParams{Feed: "orders", Shop: shop, Trigger: "schedule"})
			require.NoError(t, err)
			ids[shop] = append(ids[shop], x.ID)
			require.NoError(t, b.store.ProblemAdd(b.ctx, erp.Problem{ExecutionID: x.ID, Feed: "orders", Shop: shop, RecordKey: "1001",
				Severity: "error", Message: "unknown SKU"}))
		}
		xs, err := b.store.ExecutionList(b.ctx, erp.ExecutionListParams{Shop: "acme", Feed: "orders"})
		require.NoError(t, err)
		require.Len(t, xs, 2)
		require.Equal(t, []int64{ids["acme"][1], ids["acme"][0]}, []int64{xs[0].ID, xs[1].ID})
		probs, err := b.store.ProblemList(b.ctx, erp.ProblemListParams{Shop: "other", Feed: "orders", RecordKey: "1001"})
		require.NoError(t, err)
		require.Len(t, probs, 1)
		require.Equal(t, ids["other"][0], probs[0].ExecutionID)
	})
}

// LockBenchmark measures what a feed run pays to run in one process only: taking its
// feed's lock and freeing it (two short transactions), and the check for runs whose
// process stopped that starts every execution. A run that lasts longer than a quarter of
// the lease also renews the lock every quarter lease, at about the cost of taking it.
func LockBenchmark(b *testing.B, open Opener) {
	s := open(b)
	ctx := b.Context()
	_, err := s.Migrate(ctx)
	require.NoError(b, err)
	// A history of earlier runs, as a deployment has after a while.
	for range 2000 {
		x, err := s.ExecutionStart(ctx, erp.ExecutionStartParams{Feed: "orders", Shop: "acme", Trigger: "schedule"})
		require.NoError(b, err)
		require.NoError(b, s.ExecutionFinish(ctx, erp.ExecutionFinishParams{ID: x.ID, Outcome: erp.OutcomeFinished}))
	}
	var lockTook, checkTook time.Duration
	n := 0
	for b.Loop() {
		t0 := time.Now()
		l, err := s.LockAcquire(ctx, erp.LockParams{Shop: "acme", Name: "orders", Owner: web1, Token: fmt.Sprintf("t%d", n), TTL: 30 * time.Second})
		require.NoError(b, err)
		t1 := time.Now()
		_, err = s.ExecutionCloseStale(ctx, erp.ExecutionCloseStaleParams{Shop: "acme", Feeds: []string{"orders"}, After: 30 * time.Second, Error: "interrupted"})
		require.NoError(b, err)
		t2 := time.Now()
		require.NoError(b, s.LockRelease(ctx, l))
		lockTook += t1.Sub(t0) + time.Since(t2)
		checkTook += t2.Sub(t1)
		n++
	}
	b.ReportMetric(float64(lockTook.Microseconds())/float64(n), "µs-lock+unlock/run")
	b.ReportMetric(float64(checkTook.Microseconds())/float64(n), "µs-stale-check/run")
}
