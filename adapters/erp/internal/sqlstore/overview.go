package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/ledger"
)

// The dashboard's figures and the bell's read markers (erp.Overview; the failed runs since
// a time are ExecutionFailedList, failedruns.go). A tally counts rows
// in windows of time with one statement: the rows of the whole span are read from an index
// range (pt_feed_executions_started, pt_ledger_events_status_at), each is given its
// window's number by a CASE over the bounds, and the database adds them up by window. The
// windows are the caller's — whole hours or days of the store's clock, half-hour zones
// included — so nothing depends on a dialect's date functions.

// checkTally refuses windows that are not ascending or too many.
func checkTally(p erp.TallyParams) error {
	switch {
	case p.Shop == "":
		return fmt.Errorf("a tally needs a shop: %w", erp.ErrInvalidValue)
	case len(p.Bounds) < 2 || len(p.Bounds) > erp.MaxTallyWindows+1:
		return fmt.Errorf("a tally needs 1 to %d windows, not %d: %w", erp.MaxTallyWindows, len(p.Bounds)-1, erp.ErrInvalidValue)
	}
	for i := 1; i < len(p.Bounds); i++ {
		if !p.Bounds[i].After(p.Bounds[i-1]) {
			return fmt.Errorf("the tally's bounds must ascend: %w", erp.ErrInvalidValue)
		}
	}
	return nil
}

// window is the CASE that numbers a row's window by col. Placeholders are numbered as they
// are added and SQLite's are not numbered at all, so the parts of a tally's statement are
// built in the order they are written: the CASE, then the WHERE.
func (st Statements) window(p *params, col string, bounds []time.Time) string {
	last := len(bounds) - 2
	if last == 0 {
		return "0" // one window
	}
	var b strings.Builder
	b.WriteString("CASE")
	for i := range last {
		b.WriteString(" WHEN " + col + " < " + p.add(st.time(bounds[i+1])) + " THEN " + strconv.Itoa(i))
	}
	b.WriteString(" ELSE " + strconv.Itoa(last) + " END")
	return b.String()
}

// span keeps the rows of all the windows.
func (st Statements) span(p *params, col string, bounds []time.Time) string {
	return col + " >= " + p.add(st.time(bounds[0])) + " AND " + col + " < " + p.add(st.time(bounds[len(bounds)-1]))
}

// ExecutionTally counts a shop's runs by window and outcome.
func (st Statements) ExecutionTally(tp erp.TallyParams) Stmt {
	p := &params{d: st.d}
	q := "SELECT w, outcome, COUNT(*), SUM(n_seen), SUM(n_written), SUM(n_skipped), SUM(n_retry), SUM(n_errors) FROM (" +
		"SELECT " + st.window(p, "started_at", tp.Bounds) + " AS w, outcome, n_seen, n_written, n_skipped, n_retry, n_errors FROM " +
		st.name("pt_feed_executions") + " WHERE shop = " + p.add(st.text(tp.Shop))
	q += " AND " + st.span(p, "started_at", tp.Bounds) + ") runs GROUP BY w, outcome ORDER BY w, outcome"
	return Stmt{SQL: q, Args: p.args}
}

// LedgerEventTally counts by window the orders with a ledger event of a status.
func (st Statements) LedgerEventTally(tp erp.TallyParams) Stmt {
	p := &params{d: st.d}
	q := "SELECT w, COUNT(DISTINCT order_id) FROM (SELECT " + st.window(p, "event_at", tp.Bounds) + " AS w, order_id FROM " +
		st.name("pt_ledger_events") + " WHERE shop = " + p.add(st.text(tp.Shop))
	q += " AND status = " + p.add(st.text(string(tp.Status)))
	q += " AND " + st.span(p, "event_at", tp.Bounds) + ") events GROUP BY w ORDER BY w"
	return Stmt{SQL: q, Args: p.args}
}

// NoticeSeenGet reads up to when a user has seen a shop's news.
func (st Statements) NoticeSeenGet(user, shop string) Stmt {
	p := &params{d: st.d}
	return Stmt{SQL: "SELECT seen_at FROM " + st.name("pt_portal_seen") + " WHERE user_name = " + p.add(st.text(user)) +
		" AND shop = " + p.add(st.text(shop)), Args: p.args}
}

// NoticeSeenSet records up to when a user has seen a shop's news.
func (st Statements) NoticeSeenSet(user, shop string, at time.Time) Stmt {
	return Stmt{SQL: st.upsert(st.name("pt_portal_seen"), []string{"user_name", "shop"}, []string{"user_name", "shop", "seen_at"}, nil),
		Args: []any{st.text(user), st.text(shop), st.time(at)}}
}

// ExecutionTally counts a shop's runs by window and outcome.
func (s *Store) ExecutionTally(ctx context.Context, p erp.TallyParams) ([]erp.ExecutionTally, error) {
	if err := checkTally(p); err != nil {
		return nil, fmt.Errorf("tally runs: %w", err)
	}
	out, err := queryAll(ctx, s, "tally runs", s.st.ExecutionTally(p), func(r *sql.Rows) (erp.ExecutionTally, error) {
		var t erp.ExecutionTally
		c := &t.Counts
		err := r.Scan(&t.Window, &t.Outcome, &t.Runs, &c.Seen, &c.Written, &c.Skipped, &c.Retry, &c.Errors)
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("tally runs of %s: %w", p.Shop, err)
	}
	return out, nil
}

// LedgerEventTally counts by window the orders with a ledger event of a status.
func (s *Store) LedgerEventTally(ctx context.Context, p erp.TallyParams) ([]int, error) {
	if err := checkTally(p); err != nil {
		return nil, fmt.Errorf("tally ledger events: %w", err)
	}
	if !p.Status.Valid() {
		return nil, fmt.Errorf("tally ledger events: status %q is not one the ledger knows: %w", p.Status, erp.ErrInvalidValue)
	}
	type count struct{ w, n int }
	rows, err := queryAll(ctx, s, "tally ledger events", s.st.LedgerEventTally(p), func(r *sql.Rows) (count, error) {
		var c count
		err := r.Scan(&c.w, &c.n)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("tally ledger events of %s: %w", p.Shop, err)
	}
	out := make([]int, len(p.Bounds)-1)
	for _, c := range rows {
		out[c.w] = c.n
	}
	return out, nil
}

// NoticeSeenGet reads up to when a user has seen a shop's news.
func (s *Store) NoticeSeenGet(ctx context.Context, user, shop string) (time.Time, error) {
	var at sql.NullTime
	err := s.retry(ctx, "get seen marker", func(ctx context.Context) error {
		return s.queryRow(ctx, nil, s.st.NoticeSeenGet(user, shop)).Scan(&at)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, fmt.Errorf("seen marker of %s in %s: %w", user, shop, erp.ErrNotFound)
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("get seen marker of %s in %s: %w", user, shop, err)
	}
	return timeOf(at), nil
}

// NoticeSeenSet records up to when a user has seen a shop's news.
func (s *Store) NoticeSeenSet(ctx context.Context, user, shop string, at time.Time) error {
	if user == "" || shop == "" {
		return fmt.Errorf("set seen marker: a user and a shop: %w", erp.ErrInvalidValue)
	}
	st := s.st.NoticeSeenSet(user, shop, at)
	if err := s.inTx(ctx, "set seen marker", func(tx *sql.Tx) error {
		_, err := s.exec(ctx, tx, st)
		return err
	}); err != nil {
		return fmt.Errorf("set seen marker of %s in %s: %w", user, shop, err)
	}
	return nil
}

// overviewCatalog is the dashboard's and the bell's statements, for review.
func overviewCatalog(st Statements) []sample {
	at := catalogTime
	bounds := []time.Time{at.Add(-3 * time.Hour), at.Add(-2 * time.Hour), at.Add(-time.Hour), at}
	return []sample{
		{"ExecutionTally", st.ExecutionTally(erp.TallyParams{Shop: "acme", Bounds: bounds}), nil},
		{"LedgerEventTally", st.LedgerEventTally(erp.TallyParams{Shop: "acme", Status: ledger.StatusStaged, Bounds: bounds}), nil},
		{"ExecutionFailedList", st.ExecutionFailedList(erp.ExecutionFailedListParams{Shop: "acme", Since: at.Add(-15 * time.Minute),
			Until: at, Limit: 50}), nil},
		{"NoticeSeenGet", st.NoticeSeenGet("ann", "acme"), nil},
		{"NoticeSeenSet", st.NoticeSeenSet("ann", "acme", at), nil},
	}
}
