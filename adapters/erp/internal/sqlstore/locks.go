package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/passthrough-dev/passthrough/adapters/erp"
)

// LockTable is a table of leases: the feed locks and the shipment claims share their shape
// and behaviour, and differ in the column that names what is locked.
type LockTable struct {
	Name string // the table
	Key  string // the column naming what is locked, besides shop
}

// The two tables of leases.
var (
	FeedLocks      = LockTable{Name: "pt_locks", Key: "feed"}
	ShipmentClaims = LockTable{Name: "pt_shipment_claims", Key: "shipment_id"}
)

// --- statements ---------------------------------------------------------------------------

func (st Statements) lockWhere(p *params, t LockTable, shop, name string) string {
	return "shop = " + p.add(st.text(shop)) + " AND " + t.Key + " = " + p.add(st.text(name))
}

// LockRead reads who holds a lock and whether its lease has run out by the database's
// clock, and holds the row (or, where the database can, the gap of a missing one) until the
// transaction ends.
func (st Statements) LockRead(t LockTable, shop, name string) Stmt {
	p := &params{d: st.d}
	w := st.lockWhere(p, t, shop, name)
	cols := []string{"owner", "host", "pid", "token", "acquired_at", "expires_at",
		"CASE WHEN expires_at < " + st.d.Now() + " THEN 1 ELSE 0 END"}
	return Stmt{SQL: st.d.SelectForUpdate(st.name(t.Name), cols, w), Args: p.args}
}

// LockInsert takes a lock nobody holds.
func (st Statements) LockInsert(t LockTable, lp erp.LockParams) Stmt {
	p := &params{d: st.d}
	ph := []string{p.add(st.text(lp.Shop)), p.add(st.text(lp.Name)), p.add(st.text(lp.Owner.ID)), p.add(st.text(lp.Owner.Host)),
		p.add(st.int64(int64(lp.Owner.PID))), p.add(st.text(lp.Token)), st.d.Now(), st.d.Now(), st.d.NowPlus(p.add(st.int64(lp.TTL.Milliseconds())))}
	return Stmt{SQL: "INSERT INTO " + st.name(t.Name) + " (shop, " + t.Key + ", owner, host, pid, token, acquired_at, renewed_at, expires_at) VALUES (" +
		strings.Join(ph, ", ") + ")", Args: p.args}
}

// LockTake gives a lock to a new holder: its lease has run out, or the same process holds
// it under a token it lost.
func (st Statements) LockTake(t LockTable, lp erp.LockParams) Stmt {
	p := &params{d: st.d}
	set := "owner = " + p.add(st.text(lp.Owner.ID)) + ", host = " + p.add(st.text(lp.Owner.Host)) + ", pid = " + p.add(st.int64(int64(lp.Owner.PID))) +
		", token = " + p.add(st.text(lp.Token)) + ", acquired_at = " + st.d.Now() + ", renewed_at = " + st.d.Now() +
		", expires_at = " + st.d.NowPlus(p.add(st.int64(lp.TTL.Milliseconds())))
	return Stmt{SQL: "UPDATE " + st.name(t.Name) + " SET " + set + " WHERE " + st.lockWhere(p, t, lp.Shop, lp.Name), Args: p.args}
}

// LockRenew extends the lease of a lock its token still holds, answering the rows renewed.
func (st Statements) LockRenew(t LockTable, l erp.Lock, ttl time.Duration) Stmt {
	p := &params{d: st.d}
	update := "UPDATE " + st.name(t.Name) + " SET renewed_at = " + st.d.Now() + ", expires_at = " + st.d.NowPlus(p.add(st.int64(ttl.Milliseconds())))
	where := st.lockWhere(p, t, l.Shop, l.Name) + " AND token = " + p.add(st.text(l.Token))
	return st.counted(update, where, p.args)
}

// LockDelete frees a lock its token still holds.
func (st Statements) LockDelete(t LockTable, l erp.Lock) Stmt {
	p := &params{d: st.d}
	return Stmt{SQL: "DELETE FROM " + st.name(t.Name) + " WHERE " + st.lockWhere(p, t, l.Shop, l.Name) + " AND token = " + p.add(st.text(l.Token)),
		Args: p.args}
}

// LockList reads a shop's locks whose lease has not run out.
func (st Statements) LockList(t LockTable, shop string) Stmt {
	p := &params{d: st.d}
	return Stmt{SQL: "SELECT " + t.Key + ", owner, host, pid, token, acquired_at, expires_at FROM " + st.name(t.Name) +
		" WHERE shop = " + p.add(st.text(shop)) + " AND expires_at >= " + st.d.Now() + " ORDER BY " + t.Key, Args: p.args}
}

// ExecutionHeartbeat marks the RUNNING executions started under a lock token as alive now.
func (st Statements) ExecutionHeartbeat(token string) Stmt {
	p := &params{d: st.d}
	return Stmt{SQL: "UPDATE " + st.name("pt_feed_executions") + " SET heartbeat_at = " + st.d.Now() + " WHERE lock_token = " + p.add(st.text(token)) +
		" AND outcome = " + p.add(st.text(erp.OutcomeRunning)), Args: p.args}
}

// ExecutionStarted gives a new execution its first heartbeat, by the database's clock.
func (st Statements) ExecutionStarted(id int64) Stmt {
	p := &params{d: st.d}
	return Stmt{SQL: "UPDATE " + st.name("pt_feed_executions") + " SET heartbeat_at = " + st.d.Now() + " WHERE id = " + p.add(st.int64(id)), Args: p.args}
}

// ExecutionCloseStale closes the RUNNING executions of some feeds of a shop whose last
// heartbeat is older than After, each ending at that heartbeat.
func (st Statements) ExecutionCloseStale(cp erp.ExecutionCloseStaleParams) Stmt {
	p := &params{d: st.d}
	update := "UPDATE " + st.name("pt_feed_executions") + " SET outcome = " + p.add(st.text(erp.OutcomeFailed)) +
		", finished_at = COALESCE(heartbeat_at, started_at), error_message = " + p.add(st.text(cp.Error))
	where := "shop = " + p.add(st.text(cp.Shop))
	in := make([]string, len(cp.Feeds))
	for i, f := range cp.Feeds {
		in[i] = p.add(st.text(f))
	}
	where += " AND feed IN (" + strings.Join(in, ", ") + ") AND outcome = " + p.add(st.text(erp.OutcomeRunning)) +
		" AND COALESCE(heartbeat_at, started_at) < " + st.d.NowPlus(p.add(st.int64(-cp.After.Milliseconds())))
	return st.counted(update, where, p.args)
}

// --- the store ----------------------------------------------------------------------------

// LockAcquire takes the lock of a feed of a shop.
func (s *Store) LockAcquire(ctx context.Context, p erp.LockParams) (erp.Lock, error) {
	return s.acquire(ctx, FeedLocks, p, "take lock")
}

// ShipmentClaim claims a shipment.
func (s *Store) ShipmentClaim(ctx context.Context, p erp.LockParams) (erp.Lock, error) {
	return s.acquire(ctx, ShipmentClaims, p, "claim shipment")
}

// acquire takes a lock of t in one short transaction: it reads the row under the dialect's
// lock (SQLite's transactions hold the whole database from their start), then inserts it,
// renews it for the same token, takes it over when its lease ran out (or the same process
// holds it under a lost token), or reports its holder.
func (s *Store) acquire(ctx context.Context, t LockTable, p erp.LockParams, what string) (erp.Lock, error) {
	if p.Shop == "" || p.Name == "" || p.Token == "" || p.Owner.ID == "" || p.TTL < time.Millisecond {
		return erp.Lock{}, fmt.Errorf("%s: a lock needs a shop, a name, an owner, a token and a lease: %w", what, erp.ErrInvalidValue)
	}
	out := erp.Lock{Shop: p.Shop, Name: p.Name, Owner: p.Owner, Token: p.Token}
	for attempt := 1; ; attempt++ {
		var held *erp.LockedError
		err := s.inTx(ctx, what, func(tx *sql.Tx) error {
			held, out.TookOver = nil, false
			cur, expired, err := s.readLock(ctx, tx, t, p.Shop, p.Name)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				_, err = s.exec(ctx, tx, s.st.LockInsert(t, p))
				return err
			case err != nil:
				return err
			case cur.Token == p.Token:
				_, err = s.exec(ctx, tx, s.st.LockRenew(t, out, p.TTL))
				return err
			case expired || cur.Owner.ID == p.Owner.ID:
				out.TookOver = true
				_, err = s.exec(ctx, tx, s.st.LockTake(t, p))
				return err
			}
			held = &erp.LockedError{Holder: cur}
			return nil
		})
		switch {
		case errors.Is(err, erp.ErrDuplicate) && attempt == 1:
			continue // another process inserted it between our read and insert: read again
		case err != nil:
			return erp.Lock{}, fmt.Errorf("%s %s of %s: %w", what, p.Name, p.Shop, err)
		case held != nil:
			return erp.Lock{}, held
		}
		return out, nil
	}
}

// readLock reads a lock's holder and whether its lease has run out; sql.ErrNoRows when
// nobody holds it.
func (s *Store) readLock(ctx context.Context, tx *sql.Tx, t LockTable, shop, name string) (erp.Lock, bool, error) {
	l := erp.Lock{Shop: shop, Name: name}
	var pid, expired int64
	var acquired, expires sql.NullTime
	err := s.queryRow(ctx, tx, s.st.LockRead(t, shop, name)).Scan(&l.Owner.ID, &l.Owner.Host, &pid, &l.Token, &acquired, &expires, &expired)
	l.Owner.PID, l.AcquiredAt, l.ExpiresAt = int(pid), timeOf(acquired), timeOf(expires)
	return l, expired == 1, err
}

// LockRenew extends a feed lock and heartbeats the executions run under it, in one
// transaction.
func (s *Store) LockRenew(ctx context.Context, l erp.Lock, ttl time.Duration) error {
	err := s.inTx(ctx, "renew lock", func(tx *sql.Tx) error {
		n, err := s.exec(ctx, tx, s.st.LockRenew(FeedLocks, l, ttl))
		if err != nil {
			return err
		}
		if n == 0 {
			return erp.ErrLockLost
		}
		_, err = s.exec(ctx, tx, s.st.ExecutionHeartbeat(l.Token))
		return err
	})
	if err != nil {
		return fmt.Errorf("renew lock %s of %s: %w", l.Name, l.Shop, err)
	}
	return nil
}

// LockRelease frees a feed lock l still holds.
func (s *Store) LockRelease(ctx context.Context, l erp.Lock) error {
	return s.release(ctx, FeedLocks, l, "release lock")
}

// ShipmentClaimRelease ends a claim l still holds.
func (s *Store) ShipmentClaimRelease(ctx context.Context, l erp.Lock) error {
	return s.release(ctx, ShipmentClaims, l, "release claim")
}

func (s *Store) release(ctx context.Context, t LockTable, l erp.Lock, what string) error {
	st := s.st.LockDelete(t, l)
	err := s.retry(ctx, what, func(ctx context.Context) error {
		_, err := s.exec(ctx, nil, st)
		return err
	})
	if err != nil {
		return fmt.Errorf("%s %s of %s: %w", what, l.Name, l.Shop, err)
	}
	return nil
}

// LockList lists the shop's feed locks whose lease has not run out.
func (s *Store) LockList(ctx context.Context, shop string) ([]erp.Lock, error) {
	out, err := queryAll(ctx, s, "list locks", s.st.LockList(FeedLocks, shop), func(rows *sql.Rows) (erp.Lock, error) {
		l := erp.Lock{Shop: shop}
		var pid int64
		var acquired, expires sql.NullTime
		err := rows.Scan(&l.Name, &l.Owner.ID, &l.Owner.Host, &pid, &l.Token, &acquired, &expires)
		l.Owner.PID, l.AcquiredAt, l.ExpiresAt = int(pid), timeOf(acquired), timeOf(expires)
		return l, err
	})
	if err != nil {
		return nil, fmt.Errorf("list locks of %s: %w", shop, err)
	}
	return out, nil
}

// ExecutionCloseStale closes the runs whose owner stopped heartbeating.
func (s *Store) ExecutionCloseStale(ctx context.Context, p erp.ExecutionCloseStaleParams) (int, error) {
	if p.Shop == "" || len(p.Feeds) == 0 || p.After <= 0 {
		return 0, fmt.Errorf("close stale executions: give a shop, feeds and a time: %w", erp.ErrInvalidValue)
	}
	st := s.st.ExecutionCloseStale(p)
	var n int64
	err := s.retry(ctx, "close stale executions", func(ctx context.Context) (err error) {
		n, err = s.exec(ctx, nil, st)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("close stale executions of %s: %w", p.Shop, err)
	}
	return int(n), nil
}
