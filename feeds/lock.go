package feeds

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/passthrough-dev/passthrough/adapters/erp"
)

// DefaultLease is how long a feed lock stays held without a renewal: a process that dies
// (kill -9, a pulled cable) gives its feeds up within it.
const DefaultLease = 30 * time.Second

// LockStore is what the feed locks ask of the database: the lock half of the store's Locks
// role.
type LockStore interface {
	LockAcquire(ctx context.Context, p erp.LockParams) (erp.Lock, error)
	LockRenew(ctx context.Context, l erp.Lock, ttl time.Duration) error
	LockRelease(ctx context.Context, l erp.Lock) error
}

// LockName is the lock a feed's runs take: a feed's own name, except that the stock check
// shares the inventory feed's lock (both read Shopify's levels and write the drift report)
// and the completeness check shares the orders feed's (both stage orders).
func LockName(feed string) string {
	switch feed {
	case FeedStockCheck:
		return FeedInventory
	case FeedOrdersCheck:
		return FeedOrders
	}
	return feed
}

// feedsOf are the feeds whose runs take the lock name: the executions one holder of the
// lock answers for.
func feedsOf(lock string) []string {
	switch lock {
	case FeedInventory:
		return []string{FeedInventory, FeedStockCheck}
	case FeedOrders:
		return []string{FeedOrders, FeedOrdersCheck}
	}
	return []string{lock}
}

// NewOwner describes this process for the locks it takes and the runs it records: its
// host name, its pid and an id drawn now, which tells apart two processes whatever their
// hosts and pids.
func NewOwner() erp.Owner {
	host, err := os.Hostname()
	if err != nil {
		host = "unknown host"
	}
	return erp.Owner{ID: randomToken(), Host: host, PID: os.Getpid()}
}

func randomToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails on a supported platform
	return hex.EncodeToString(b)
}

// Locks hands out the feed locks of one process: one run of a feed of a shop at a time,
// whatever starts it (the schedule, Run now, `passthrough run`) and in whichever process.
// Within the process a mutex per lock says so at once; across processes a lease row in the
// ERP database (LockStore), renewed while the run lasts. A run whose lease is lost — its
// renewals failed for three quarters of a lease, or another process took the lock over —
// sees its context end, so it stops before its next write, a quarter of a lease before
// anyone else may start.
type Locks struct {
	store LockStore // nil: this process only
	owner erp.Owner
	lease time.Duration
	log   *slog.Logger

	mu    sync.Mutex
	local map[string]*sync.Mutex // by shop and lock name
}

// NewLocks returns the locks of this process. With a nil store the locks keep runs apart
// within the process only. lease is DefaultLease when zero.
func NewLocks(store LockStore, owner erp.Owner, lease time.Duration, log *slog.Logger) *Locks {
	if lease <= 0 {
		lease = DefaultLease
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Locks{store: store, owner: owner, lease: lease, log: log, local: map[string]*sync.Mutex{}}
}

// Owner is this process.
func (l *Locks) Owner() erp.Owner { return l.owner }

// Lease is how long a lock stays held without a renewal.
func (l *Locks) Lease() time.Duration { return l.lease }

func (l *Locks) mutex(shop, name string) *sync.Mutex {
	l.mu.Lock()
	defer l.mu.Unlock()
	key := shop + "\x00" + name
	m := l.local[key]
	if m == nil {
		m = &sync.Mutex{}
		l.local[key] = m
	}
	return m
}

// Acquire takes the lock of a feed of a shop (LockName(feed)) for a run whose context
// derives from ctx. When a run holds it already the error wraps ErrAlreadyRunning, and,
// when that run is another process's, an *erp.LockedError naming the process.
func (l *Locks) Acquire(ctx context.Context, shop, feed string) (*Held, error) {
	name := LockName(feed)
	m := l.mutex(shop, name)
	if !m.TryLock() {
		return nil, fmt.Errorf("%s of %s is running in this process: %w", name, shop, ErrAlreadyRunning)
	}
	h := &Held{locks: l, local: m, lock: erp.Lock{Shop: shop, Name: name, Owner: l.owner, Token: randomToken()},
		stop: make(chan struct{}), stopped: make(chan struct{})}
	if l.store != nil {
		got, err := l.store.LockAcquire(ctx, erp.LockParams{Shop: shop, Name: name, Owner: l.owner, Token: h.lock.Token, TTL: l.lease})
		if err != nil {
			m.Unlock()
			if errors.Is(err, erp.ErrLocked) {
				return nil, fmt.Errorf("%w: %w", ErrAlreadyRunning, err)
			}
			// The database may have taken the lock while the answer was lost (the run being
			// stopped): freed by its token, so it does not hold every process off for a lease.
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			if rerr := l.store.LockRelease(rctx, h.lock); rerr != nil {
				l.log.Warn("feed lock not released; it frees itself when its lease runs out", "shop", shop, "feed", name, "err", rerr)
			}
			return nil, fmt.Errorf("take the lock of %s of %s: %w", name, shop, err)
		}
		h.lock = got
		if got.TookOver {
			l.log.Info("took over a feed lock whose lease ran out", "shop", shop, "feed", name)
		}
	}
	run, cancel := context.WithCancelCause(ctx)
	h.ctx, h.cancel = withHeld(run, h), cancel
	if l.store == nil {
		close(h.stopped)
		return h, nil
	}
	go h.heartbeat(time.Now())
	return h, nil
}

// Wait is Acquire trying again, every second or so, for as long as wait while another run
// holds the lock.
func (l *Locks) Wait(ctx context.Context, shop, feed string, wait time.Duration) (*Held, error) {
	deadline := time.Now().Add(wait)
	for {
		h, err := l.Acquire(ctx, shop, feed)
		if err == nil || !errors.Is(err, ErrAlreadyRunning) || time.Now().After(deadline) {
			return h, err
		}
		pause := min(time.Second, l.lease/4, time.Until(deadline))
		select {
		case <-ctx.Done():
			return nil, errors.Join(err, ctx.Err())
		case <-time.After(max(pause, 10*time.Millisecond)):
		}
	}
}

// Held is a feed lock this process holds for one run.
type Held struct {
	locks  *Locks
	local  *sync.Mutex
	lock   erp.Lock
	ctx    context.Context
	cancel context.CancelCauseFunc

	stop    chan struct{} // Release asks the heartbeat to end
	stopped chan struct{} // the heartbeat has ended
	once    sync.Once

	mu     sync.Mutex
	lostAt time.Time // when the run was told to stop; zero while it holds the lock
}

// Context is the run's context: it ends when the parent's does, or when the lock is lost
// (context.Cause says ErrLockLost). The run's execution finds the lock in it.
func (h *Held) Context() context.Context { return h.ctx }

// Lock is the lock as the database holds it.
func (h *Held) Lock() erp.Lock { return h.lock }

// Lease is how long the lock stays held without a renewal.
func (h *Held) Lease() time.Duration { return h.locks.lease }

// heartbeat renews the lease every quarter of it. A renewal that fails for a passing
// reason is tried again at the next beat; when none has succeeded for three quarters of a
// lease since the last good one was sent (the database may have extended it, or not), or
// another process holds the lock, the lock is lost and the run's context ends.
func (h *Held) heartbeat(lastSent time.Time) {
	defer close(h.stopped)
	l := h.locks
	every := l.lease / 4
	give := 3 * l.lease / 4
	lose := func(why error) {
		h.mu.Lock()
		if h.lostAt.IsZero() {
			h.lostAt = time.Now()
		}
		h.mu.Unlock()
		l.log.Warn("feed lock lost: the run stops before its next write", "shop", h.lock.Shop, "feed", h.lock.Name, "err", why)
		h.cancel(fmt.Errorf("%w: %w", erp.ErrLockLost, why))
	}
	deadline := time.AfterFunc(give, func() { lose(errors.New("no renewal succeeded within three quarters of a lease")) })
	defer deadline.Stop()
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-h.ctx.Done():
			return
		case <-tick.C:
		}
		sent := time.Now()
		ctx, cancel := context.WithTimeout(h.ctx, every)
		err := l.store.LockRenew(ctx, h.lock, l.lease)
		cancel()
		switch {
		case err == nil:
			lastSent = sent
			deadline.Reset(give - time.Since(lastSent))
		case errors.Is(err, erp.ErrLockLost):
			lose(err)
			return
		default:
			l.log.Warn("feed lock not renewed; trying again", "shop", h.lock.Shop, "feed", h.lock.Name, "err", err,
				"since_last_renewal", time.Since(lastSent).Round(time.Millisecond))
		}
	}
}

// LostAt is when the run was told to stop because its lock was lost: the end of its work,
// as its execution records it. Zero while it holds the lock.
func (h *Held) LostAt() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.lostAt
}

// Err says why the run's context ended early: an error wrapping erp.ErrLockLost when the
// lock was lost; nil while it holds.
func (h *Held) Err() error {
	if err := context.Cause(h.ctx); errors.Is(err, erp.ErrLockLost) {
		return err
	}
	return nil
}

// Release ends the run's hold: the heartbeat stops, the lease row is freed (if this run
// still holds it) and the feed may run again. Calling it again does nothing.
func (h *Held) Release() error {
	var err error
	h.once.Do(func() {
		close(h.stop)
		<-h.stopped
		defer h.local.Unlock()
		defer h.cancel(context.Canceled)
		if h.locks.store == nil {
			return
		}
		// Freed even when the run's context has ended (shutdown): otherwise the next
		// process waits a lease for nothing.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(h.ctx), 10*time.Second)
		defer cancel()
		if err = h.locks.store.LockRelease(ctx, h.lock); err != nil {
			h.locks.log.Warn("feed lock not released; it frees itself when its lease runs out", "shop", h.lock.Shop,
				"feed", h.lock.Name, "err", err)
		}
	})
	return err
}

// Unlock releases the lock: gocron's Lock.
func (h *Held) Unlock(context.Context) error { return h.Release() }

type heldKey struct{}

// withHeld puts the lock a run holds in its context, for the execution it records.
func withHeld(ctx context.Context, h *Held) context.Context {
	return context.WithValue(ctx, heldKey{}, h)
}

// heldFrom is the lock the run holds; nil for a run started without one (tests that call a
// feed directly).
func heldFrom(ctx context.Context) *Held {
	h, _ := ctx.Value(heldKey{}).(*Held)
	return h
}
