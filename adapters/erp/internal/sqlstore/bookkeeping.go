package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
)

// ExecutionStart records a run as RUNNING.
func (s *Store) ExecutionStart(ctx context.Context, p erp.ExecutionStartParams) (erp.Execution, error) {
	if p.Feed == "" {
		return erp.Execution{}, fmt.Errorf("start execution: no feed named: %w", erp.ErrInvalidValue)
	}
	if p.At.IsZero() {
		p.At = s.clock()
	}
	st := s.st.ExecutionStart(p)
	var id int64
	// Not retried: had the insert reached the database before the failure, a second run
	// would be recorded twice.
	if err := s.queryRow(ctx, nil, st).Scan(&id); err != nil {
		return erp.Execution{}, fmt.Errorf("start execution of %s: %w", p.Feed, s.mapErr(err))
	}
	x := erp.Execution{ID: id, Feed: p.Feed, Shop: p.Shop, Trigger: p.Trigger, StartedAt: Normalize(p.At), Outcome: erp.OutcomeRunning, Owner: p.Owner}
	// Its first heartbeat is the database's time, which the heartbeats to come and the
	// check for stale runs use, whatever the process's clock says.
	if _, err := s.exec(ctx, nil, s.st.ExecutionStarted(id)); err != nil {
		return x, fmt.Errorf("start execution of %s: first heartbeat: %w", p.Feed, s.mapErr(err))
	}
	return x, nil
}

// ExecutionFinish records how a run ended.
func (s *Store) ExecutionFinish(ctx context.Context, p erp.ExecutionFinishParams) error {
	if p.At.IsZero() {
		p.At = s.clock()
	}
	st := s.st.ExecutionFinish(p)
	var n int64
	err := s.retry(ctx, "finish execution", func(ctx context.Context) (err error) {
		n, err = s.exec(ctx, nil, st)
		return err
	})
	if err != nil {
		return fmt.Errorf("finish execution %d: %w", p.ID, err)
	}
	if n == 0 {
		return fmt.Errorf("execution %d: %w", p.ID, erp.ErrNotFound)
	}
	return nil
}

// ExecutionGet reads one run.
func (s *Store) ExecutionGet(ctx context.Context, id int64) (erp.Execution, error) {
	out, err := s.executions(ctx, s.st.ExecutionGet(id))
	if err != nil {
		return erp.Execution{}, fmt.Errorf("get execution %d: %w", id, err)
	}
	if len(out) == 0 {
		return erp.Execution{}, fmt.Errorf("execution %d: %w", id, erp.ErrNotFound)
	}
	return out[0], nil
}

// ExecutionList pages through runs newest first.
func (s *Store) ExecutionList(ctx context.Context, p erp.ExecutionListParams) ([]erp.Execution, error) {
	out, err := s.executions(ctx, s.st.ExecutionList(p))
	if err != nil {
		return nil, fmt.Errorf("list executions: %w", err)
	}
	return out, nil
}

func (s *Store) executions(ctx context.Context, st Stmt) ([]erp.Execution, error) {
	out, err := queryAll(ctx, s, "read executions", st, func(rows *sql.Rows) (erp.Execution, error) {
		var e erp.Execution
		var started, finished sql.NullTime
		var seen, written, skipped, retry, errs, waitMS int64
		if err := rows.Scan(&e.ID, &e.Feed, &e.Shop, &e.Trigger, &started, &finished, &e.Outcome,
			&seen, &written, &skipped, &retry, &errs, &e.Error, &e.Owner,
			&e.Usage.RESTCalls, &e.Usage.GraphQLPoints, &waitMS, &e.Usage.RateLimited); err != nil {
			return e, err
		}
		e.Usage.Wait = time.Duration(waitMS) * time.Millisecond
		e.StartedAt, e.FinishedAt = timeOf(started), timeOf(finished)
		e.Counts = erp.ExecutionCounts{Seen: int(seen), Written: int(written), Skipped: int(skipped), Retry: int(retry), Errors: int(errs)}
		return e, nil
	})
	return out, err
}

// ProblemList pages through problems newest first.
func (s *Store) ProblemList(ctx context.Context, p erp.ProblemListParams) ([]erp.Problem, error) {
	st := s.st.ProblemList(p)
	out, err := queryAll(ctx, s, "list problems", st, func(rows *sql.Rows) (erp.Problem, error) {
		var pr erp.Problem
		var exec sql.NullInt64
		var severity string
		var at sql.NullTime
		var class sql.NullInt64
		if err := rows.Scan(&pr.ID, &exec, &pr.Feed, &pr.Shop, &pr.RecordKey, &severity, &pr.Message, &at, &class); err != nil {
			return pr, err
		}
		pr.ExecutionID, pr.Severity, pr.At, pr.ClassID = exec.Int64, passthrough.Severity(severity), timeOf(at), class.Int64
		return pr, nil
	})
	if err != nil {
		return nil, fmt.Errorf("list problems: %w", err)
	}
	return out, nil
}

// WatermarkGet reads a feed's watermark; ErrNotFound before the first run.
func (s *Store) WatermarkGet(ctx context.Context, shop, feed string) (time.Time, error) {
	st := s.st.WatermarkGet(shop, feed)
	var at sql.NullTime
	err := s.retry(ctx, "get watermark", func(ctx context.Context) error {
		return s.queryRow(ctx, nil, st).Scan(&at)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, fmt.Errorf("watermark of %s/%s: %w", shop, feed, erp.ErrNotFound)
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("get watermark of %s/%s: %w", shop, feed, err)
	}
	return timeOf(at), nil
}

// WatermarkSet writes a feed's watermark.
func (s *Store) WatermarkSet(ctx context.Context, shop, feed string, at time.Time) error {
	if at.IsZero() {
		return fmt.Errorf("set watermark of %s/%s: zero time: %w", shop, feed, erp.ErrInvalidValue)
	}
	// Upserts run in a transaction: SQL Server's update-then-insert holds its key lock only
	// for as long as one.
	st := s.st.WatermarkSet(shop, feed, at)
	if err := s.inTx(ctx, "set watermark", func(tx *sql.Tx) error {
		_, err := s.exec(ctx, tx, st)
		return err
	}); err != nil {
		return fmt.Errorf("set watermark of %s/%s: %w", shop, feed, err)
	}
	return nil
}

// InventorySentList reads what Shopify last got.
func (s *Store) InventorySentList(ctx context.Context, shop string) ([]erp.InventorySent, error) {
	st := s.st.InventorySentList(shop)
	out, err := queryAll(ctx, s, "list inventory sent", st, func(rows *sql.Rows) (erp.InventorySent, error) {
		var l erp.InventorySent
		var at sql.NullTime
		if err := rows.Scan(&l.Shop, &l.SKU, &l.InventoryItemID, &l.LocationID, &l.Available, &at, &l.DryRun); err != nil {
			return l, err
		}
		l.SentAt = timeOf(at)
		return l, nil
	})
	if err != nil {
		return nil, fmt.Errorf("list inventory sent: %w", err)
	}
	return out, nil
}

// InventorySentPut records levels in one transaction.
func (s *Store) InventorySentPut(ctx context.Context, levels []erp.InventorySent) error {
	if len(levels) == 0 {
		return nil
	}
	now := s.clock()
	err := s.inTx(ctx, "put inventory sent", func(tx *sql.Tx) error {
		for _, l := range levels {
			if l.SentAt.IsZero() {
				l.SentAt = now
			}
			if _, err := s.exec(ctx, tx, s.st.InventorySentPut(l)); err != nil {
				return fmt.Errorf("%s at location %d: %w", l.SKU, l.LocationID, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("put inventory sent: %w", err)
	}
	return nil
}

// driftBatch is how many drift rows one INSERT carries: seven parameters each stays well
// inside SQL Server's 2,100.
const driftBatch = 200

// InventoryCheckPut replaces the shop's last stock check and its drift rows.
func (s *Store) InventoryCheckPut(ctx context.Context, c erp.InventoryCheck) error {
	if c.Shop == "" || c.CheckedAt.IsZero() {
		return fmt.Errorf("put inventory check: a check needs a shop and a time: %w", erp.ErrInvalidValue)
	}
	err := s.inTx(ctx, "put inventory check", func(tx *sql.Tx) error {
		if _, err := s.exec(ctx, tx, s.st.InventoryCheckUpsert(c)); err != nil {
			return err
		}
		if _, err := s.exec(ctx, tx, s.st.InventoryDriftDelete(c.Shop)); err != nil {
			return err
		}
		for rows := range slices.Chunk(c.Drift, driftBatch) {
			if _, err := s.exec(ctx, tx, s.st.InventoryDriftInsert(c.Shop, rows)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("put inventory check of %s: %w", c.Shop, err)
	}
	return nil
}

// InventoryCheckGet reads the shop's last stock check; ErrNotFound before the first.
func (s *Store) InventoryCheckGet(ctx context.Context, shop string) (erp.InventoryCheck, error) {
	out := erp.InventoryCheck{Shop: shop}
	err := s.retry(ctx, "get inventory check", func(ctx context.Context) error {
		var at sql.NullTime
		var levels int64
		if err := s.queryRow(ctx, nil, s.st.InventoryCheckGet(shop)).Scan(&at, &levels); err != nil {
			return err
		}
		out.CheckedAt, out.Levels, out.Drift = timeOf(at), int(levels), nil
		rows, err := s.query(ctx, s.st.InventoryDriftList(shop))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var d erp.InventoryDrift
			var last sql.NullInt64
			if err := rows.Scan(&d.SKU, &d.InventoryItemID, &d.LocationID, &d.ERP, &d.Shopify, &last); err != nil {
				return err
			}
			if last.Valid {
				d.LastSent = &last.Int64
			}
			out.Drift = append(out.Drift, d)
		}
		return rows.Err()
	})
	if errors.Is(err, sql.ErrNoRows) {
		return erp.InventoryCheck{}, fmt.Errorf("inventory check of %s: %w", shop, erp.ErrNotFound)
	}
	if err != nil {
		return erp.InventoryCheck{}, fmt.Errorf("get inventory check of %s: %w", shop, err)
	}
	return out, nil
}

// SettingGet reads one setting; ErrNotFound for a key never set.
func (s *Store) SettingGet(ctx context.Context, key string) (string, error) {
	st := s.st.SettingGet(key)
	var v string
	err := s.retry(ctx, "get setting", func(ctx context.Context) error {
		return s.queryRow(ctx, nil, st).Scan(&v)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("setting %q: %w", key, erp.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("get setting %q: %w", key, err)
	}
	return v, nil
}

// SettingSet writes one setting.
func (s *Store) SettingSet(ctx context.Context, key, value string) error {
	if key == "" {
		return fmt.Errorf("set setting: empty key: %w", erp.ErrInvalidValue)
	}
	st := s.st.SettingSet(key, value)
	if err := s.inTx(ctx, "set setting", func(tx *sql.Tx) error {
		_, err := s.exec(ctx, tx, st)
		return err
	}); err != nil {
		return fmt.Errorf("set setting %q: %w", key, err)
	}
	return nil
}
