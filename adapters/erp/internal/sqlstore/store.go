package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"path"
	"slices"
	"sync"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
)

// VersionTable is where goose records the applied migrations: prefixed like the rest of
// passthrough's tables, so it cannot collide with an ERP that uses goose itself.
const VersionTable = "pt_goose_db_version"

// attempts is how many times a transaction that failed for a passing reason (deadlock,
// busy database) is tried before the caller hears ErrRetryable.
const attempts = 3

// Store implements erp.Store on a database/sql handle and a Dialect.
type Store struct {
	db     *sql.DB
	d      Dialect
	st     Statements
	log    *slog.Logger
	now    func() time.Time
	header string
	schema string

	mu     sync.Mutex
	tables map[string]*Table    // real columns per table, until the next Migrate
	stmts  map[string]*sql.Stmt // prepared statements by their SQL, until the next Migrate
}

// maxPrepared bounds the prepared statements kept: statements depend on the mapping's
// columns and an order's line count, so there are few, but never let them grow unbounded.
const maxPrepared = 256

// New returns a store on db. The caller has opened db with the dialect's driver.
func New(db *sql.DB, d Dialect, opts ...erp.Option) *Store {
	o := erp.NewOptions(opts...)
	return &Store{db: db, d: d, st: NewStatements(d).InSchema(o.Schema), log: o.Logger, now: o.Now, header: o.HeaderTable,
		schema: o.Schema, tables: map[string]*Table{}, stmts: map[string]*sql.Stmt{}}
}

var _ erp.Store = (*Store)(nil)

// DB is the store's handle, for tests that look at rows the store does not return.
func (s *Store) DB() *sql.DB { return s.db }

// Dialect names the database.
func (s *Store) Dialect() erp.Dialect { return s.d.Name() }

// Schema is the schema the store works in; "" for the connection's own.
func (s *Store) Schema() string { return s.schema }

// Close closes the database handle.
func (s *Store) Close() error {
	s.forget()
	return s.db.Close()
}

// forget drops cached columns and prepared statements, which a migration may have changed.
func (s *Store) forget() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range s.stmts {
		st.Close()
	}
	s.tables, s.stmts = map[string]*Table{}, map[string]*sql.Stmt{}
}

// clock is the store's time, as it will read back.
func (s *Store) clock() time.Time { return Normalize(s.now()) }

// Migrate runs the dialect's goose migrations and forgets the cached columns.
func (s *Store) Migrate(ctx context.Context) (erp.MigrateResult, error) {
	return s.migrate(ctx, 0)
}

// MigrateTo runs the migrations up to version and no further: for tests that build a
// database as an earlier passthrough left it, and then migrate it the rest of the way.
func (s *Store) MigrateTo(ctx context.Context, version int64) (erp.MigrateResult, error) {
	if version <= 0 {
		return erp.MigrateResult{}, fmt.Errorf("migrate to version %d: versions start at 1: %w", version, erp.ErrInvalidValue)
	}
	return s.migrate(ctx, version)
}

// migrate runs the migrations up to version, or every one for 0.
func (s *Store) migrate(ctx context.Context, version int64) (erp.MigrateResult, error) {
	m := s.d.Migrations(s.schema)
	table := m.VersionTable
	if table == "" {
		table = VersionTable
	}
	opts := []goose.ProviderOption{goose.WithTableName(table), goose.WithDisableGlobalRegistry(true), goose.WithGoMigrations(m.Go...)}
	if m.Locker != nil {
		l, err := m.Locker(ctx, s.db)
		if err != nil {
			return erp.MigrateResult{}, fmt.Errorf("migrate: lock: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(l))
	}
	p, err := goose.NewProvider(m.Dialect, s.db, m.FS, opts...)
	if err != nil {
		return erp.MigrateResult{}, fmt.Errorf("migrate: %w", err)
	}
	var results []*goose.MigrationResult
	if version == 0 {
		results, err = p.Up(ctx)
	} else {
		results, err = p.UpTo(ctx, version)
	}
	s.forget()
	var res erp.MigrateResult
	for _, r := range results {
		if r.Error == nil && r.Source != nil {
			res.Applied = append(res.Applied, path.Base(r.Source.Path))
		}
	}
	if err != nil {
		return res, fmt.Errorf("migrate: %w", s.mapErr(err))
	}
	if res.Version, err = p.GetDBVersion(ctx); err != nil {
		return res, fmt.Errorf("migrate: read version: %w", s.mapErr(err))
	}
	return res, nil
}

// TableColumns reports a table's real columns.
func (s *Store) TableColumns(ctx context.Context, name string) ([]passthrough.Column, error) {
	t, err := s.table(ctx, name)
	if err != nil {
		return nil, err
	}
	return slices.Clone(t.Columns), nil
}

// TableColumnsNow reads a table's real columns now, replacing the cached ones.
func (s *Store) TableColumnsNow(ctx context.Context, name string) ([]passthrough.Column, error) {
	s.mu.Lock()
	delete(s.tables, name)
	s.mu.Unlock()
	return s.TableColumns(ctx, name)
}

func (s *Store) table(ctx context.Context, name string) (*Table, error) {
	s.mu.Lock()
	t := s.tables[name]
	s.mu.Unlock()
	if t != nil {
		return t, nil
	}
	var cols []passthrough.Column
	err := s.retry(ctx, "read columns", func(ctx context.Context) error {
		cols = cols[:0]
		q := s.st.Columns(name)
		rows, err := s.db.QueryContext(ctx, q.SQL, q.Args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var info ColumnInfo
			if err := info.scan(rows); err != nil {
				return err
			}
			cols = append(cols, s.d.Column(info))
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("read columns of %s: %w", name, err)
	}
	if len(cols) == 0 {
		return nil, fmt.Errorf("table %q: %w", name, erp.ErrNotFound)
	}
	t = NewTable(name, cols)
	s.mu.Lock()
	s.tables[name] = t
	s.mu.Unlock()
	return t, nil
}

// exec runs a statement, answering the rows it changed when it is a counted one. tx may be
// nil to run outside a transaction.
func (s *Store) exec(ctx context.Context, tx *sql.Tx, st Stmt) (int64, error) {
	if st.Counted && st.CountRow {
		var n int64
		err := s.queryRow(ctx, tx, st).Scan(&n)
		return n, err
	}
	var res sql.Result
	var err error
	switch ps := s.prepared(ctx, tx, st.SQL); {
	case ps != nil:
		res, err = ps.ExecContext(ctx, st.Args...)
	case tx != nil:
		res, err = tx.ExecContext(ctx, st.SQL, st.Args...)
	default:
		res, err = s.db.ExecContext(ctx, st.SQL, st.Args...)
	}
	if err != nil || !st.Counted {
		return 0, err
	}
	return res.RowsAffected()
}

// queryRow runs a statement answering one row.
func (s *Store) queryRow(ctx context.Context, tx *sql.Tx, st Stmt) *sql.Row {
	switch ps := s.prepared(ctx, tx, st.SQL); {
	case ps != nil:
		return ps.QueryRowContext(ctx, st.Args...)
	case tx != nil:
		return tx.QueryRowContext(ctx, st.SQL, st.Args...)
	}
	return s.db.QueryRowContext(ctx, st.SQL, st.Args...)
}

// query runs a statement answering rows.
func (s *Store) query(ctx context.Context, st Stmt) (*sql.Rows, error) {
	if ps := s.prepared(ctx, nil, st.SQL); ps != nil {
		return ps.QueryContext(ctx, st.Args...)
	}
	return s.db.QueryContext(ctx, st.SQL, st.Args...)
}

// queryAll runs a statement answering rows, retrying passing failures, and turns every
// row into a T with scan.
func queryAll[T any](ctx context.Context, s *Store, what string, st Stmt, scan func(*sql.Rows) (T, error)) ([]T, error) {
	var out []T
	err := s.retry(ctx, what, func(ctx context.Context) error {
		out = out[:0]
		rows, err := s.query(ctx, st)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			v, err := scan(rows)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return rows.Err()
	})
	return out, err
}

// prepared returns the statement prepared once for the whole pool, bound to tx when given:
// parsing a wide INSERT costs more than running it, on SQLite above all. It answers nil when
// the statement cannot be kept (the cache is full, or preparing failed, in which case running
// the statement plainly reports why).
func (s *Store) prepared(ctx context.Context, tx *sql.Tx, query string) *sql.Stmt {
	if !s.d.Prepare() {
		return nil
	}
	s.mu.Lock()
	ps, full := s.stmts[query], len(s.stmts) >= maxPrepared
	s.mu.Unlock()
	if ps == nil {
		if full {
			return nil
		}
		var err error
		if ps, err = s.db.PrepareContext(ctx, query); err != nil {
			return nil
		}
		s.mu.Lock()
		if old := s.stmts[query]; old != nil {
			ps.Close()
			ps = old
		} else {
			s.stmts[query] = ps
		}
		s.mu.Unlock()
	}
	if tx != nil {
		return tx.StmtContext(ctx, ps)
	}
	return ps
}

// inTx runs fn in a transaction, trying again when it fails for a passing reason.
func (s *Store) inTx(ctx context.Context, what string, fn func(tx *sql.Tx) error) error {
	return s.retry(ctx, what, func(ctx context.Context) error {
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if err := fn(tx); err != nil {
			_ = tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			if connectionLost(err) {
				return commitUnknownError{err}
			}
			return err
		}
		return nil
	})
}

// retry runs fn up to attempts times while it fails with a retryable error, waiting a
// little longer, with jitter, each time so that two deadlocked writers do not meet again.
func (s *Store) retry(ctx context.Context, what string, fn func(ctx context.Context) error) error {
	for attempt := 1; ; attempt++ {
		err := s.mapErr(fn(ctx))
		var unknown commitUnknownError
		if err == nil || !errors.Is(err, erp.ErrRetryable) || attempt == attempts || ctx.Err() != nil || errors.As(err, &unknown) {
			return err
		}
		base := 20 * time.Millisecond << (attempt - 1)
		wait := base + rand.N(base)
		s.log.Warn("database work failed for a passing reason; trying again",
			slog.String("what", what), slog.Int("attempt", attempt), slog.Duration("wait", wait), slog.Any("err", err))
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
	}
}

// mapErr puts the erp sentinel on a driver's error, keeping the driver's message.
func (s *Store) mapErr(err error) error {
	if err == nil || isSentinel(err) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if c := s.d.Classify(err); c != nil {
		return fmt.Errorf("%w: %w", c, err)
	}
	if connectionLost(err) {
		return fmt.Errorf("%w: %w", erp.ErrRetryable, err)
	}
	return err
}

// commitUnknownError is a commit whose connection broke: the transaction may or may not
// have been committed, so it is not run again blindly.
type commitUnknownError struct{ err error }

func (e commitUnknownError) Error() string { return "commit outcome unknown: " + e.err.Error() }
func (e commitUnknownError) Unwrap() error { return e.err }

// connectionLost reports an error of the connection rather than of the statement.
func connectionLost(err error) bool {
	var ne net.Error
	return errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &ne)
}
