package erp

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Locks keeps the processes that share the database — `serve` replicas, a rolling deploy's
// old and new process, an operator's `passthrough run` — from doing the same work at once.
// The database every one of them already uses is the coordinator: a lock is a row, held by
// one process for a lease it renews while it works, and taken over by another only once
// the lease has run out by the database's own clock (so clocks that disagree between
// machines cannot hand one lock to two processes). A process that dies, or loses the
// database, loses its locks within one lease.
//
// Two kinds of lock, one behaviour:
//   - a feed lock (pt_locks) per shop and feed: one run of a feed of a shop at a time;
//   - a shipment claim (pt_shipment_claims) per shop and shipment: taken before Shopify is
//     called for the shipment, so two runs that both got past the feed lock (it was
//     bypassed, or a lease ran out under a stalled run) still cannot send it twice.
type Locks interface {
	// LockAcquire takes the lock of a feed of a shop for p.TTL, in one short transaction:
	// it is taken when free, when its lease has run out, when the same process holds it
	// (a holding it could not release) and renewed when p.Token holds it already. When
	// another process holds it, the error is a *LockedError naming the holder.
	LockAcquire(ctx context.Context, p LockParams) (Lock, error)
	// LockRenew extends a lock held with l.Token by ttl from now, by the database's clock,
	// and marks the heartbeat of the RUNNING executions started under it. ErrLockLost when
	// the lock is no longer l's (another process took it after its lease ran out).
	LockRenew(ctx context.Context, l Lock, ttl time.Duration) error
	// LockRelease frees the lock if l.Token still holds it; otherwise it does nothing.
	LockRelease(ctx context.Context, l Lock) error
	// LockList lists the shop's feed locks whose lease has not run out.
	LockList(ctx context.Context, shop string) ([]Lock, error)

	// ShipmentClaim claims a shipment (p.Name is its shipment id) as LockAcquire takes a
	// feed lock; claiming it again with the same token extends the claim. Lock.TookOver
	// says the claim was another process's whose lease ran out: that process may have sent
	// the shipment before it stopped, so Shopify must be asked first.
	ShipmentClaim(ctx context.Context, p LockParams) (Lock, error)
	// ShipmentClaimRelease ends a claim if l.Token still holds it.
	ShipmentClaimRelease(ctx context.Context, l Lock) error
}

// Owner is the process that holds a lock or runs an execution.
type Owner struct {
	// ID tells processes apart however hosts and pids repeat: a random id each process
	// draws when it starts.
	ID   string
	Host string
	PID  int
}

// String names the owner for people: "web-2 pid 4711 (instance 1f3a9c02)".
func (o Owner) String() string {
	id := o.ID
	if len(id) > 8 {
		id = id[:8]
	}
	return fmt.Sprintf("%s pid %d (instance %s)", o.Host, o.PID, id)
}

// LockParams asks for a lock.
type LockParams struct {
	Shop string
	// Name is the feed for a feed lock ("orders"), the shipment id for a claim.
	Name  string
	Owner Owner
	// Token identifies this holding of the lock, apart from every earlier one of the same
	// process; a renewal or release must show it.
	Token string
	// TTL is the lease: how long the lock stays held without a renewal.
	TTL time.Duration
}

// Lock is a held lock, or, in a LockedError, its holder's.
type Lock struct {
	Shop  string
	Name  string
	Owner Owner
	Token string
	// AcquiredAt and ExpiresAt are by the database's clock. LockAcquire and ShipmentClaim
	// fill them in for the holder named in a LockedError and for LockList.
	AcquiredAt time.Time
	ExpiresAt  time.Time
	// TookOver says the lock was taken from a holding whose lease had run out.
	TookOver bool
}

var (
	// ErrLocked: another process holds the lock. The error is a *LockedError.
	ErrLocked = errors.New("held by another process")
	// ErrLockLost: a lock whose lease ran out was taken by another process.
	ErrLockLost = errors.New("lock lost")
)

// LockedError says who holds a lock that could not be taken.
type LockedError struct{ Holder Lock }

func (e *LockedError) Error() string {
	return fmt.Sprintf("%s of %s is held by %s since %s", e.Holder.Name, e.Holder.Shop, e.Holder.Owner,
		e.Holder.AcquiredAt.UTC().Format("2006-01-02 15:04:05 UTC"))
}

// Is makes errors.Is(err, ErrLocked) true.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// ExecutionCloseStaleParams picks the RUNNING executions of some feeds of a shop whose
// owner stopped heartbeating.
type ExecutionCloseStaleParams struct {
	Shop  string
	Feeds []string
	// After is how long without a heartbeat, by the database's clock, makes a run
	// interrupted: the lease of the lock it ran under.
	After time.Duration
	// Error is what the closed executions say (why they failed).
	Error string
}
