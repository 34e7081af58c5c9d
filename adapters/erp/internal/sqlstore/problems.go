package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
)

// maxTemplate is the length of pt_problem_classes.template (SQL Server's nvarchar(1000)).
const maxTemplate = 1000

// classKey names a class in its shop: a hash of its feed, severity and template, which are
// too long together for a unique key on every database.
func classKey(feed string, sev passthrough.Severity, template string) string {
	h := sha256.Sum256([]byte(feed + "\x00" + string(sev) + "\x00" + template))
	return hex.EncodeToString(h[:])
}

// ProblemAdd records a record problem in its class, and, for retry and error, as the
// record's open problem; a problem of severity info (a business rule's no) ends the
// record's open problem instead, as the record needs nothing now. One transaction.
func (s *Store) ProblemAdd(ctx context.Context, p erp.Problem) error {
	if p.Feed == "" || !p.Severity.Valid() {
		return fmt.Errorf("add problem: a problem needs a feed and a severity (info, retry, error): %w", erp.ErrInvalidValue)
	}
	if p.At.IsZero() {
		p.At = s.clock()
	}
	p.At = Normalize(p.At)
	if p.Template == "" {
		p.Template = p.Message
	}
	if utf8.RuneCountInString(p.Template) > maxTemplate {
		p.Template = string([]rune(p.Template)[:maxTemplate])
	}
	// A commit whose answer was lost is not run again (inTx): the problem must not be
	// recorded twice. A duplicate key (another writer created the class first) is tried
	// once more, finding the class then.
	var err error
	for try := 0; try < 2; try++ {
		err = s.inTx(ctx, "add problem", func(tx *sql.Tx) error { return s.addProblem(ctx, tx, &p) })
		if !errors.Is(err, erp.ErrDuplicate) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("add problem for %s: %w", p.RecordKey, err)
	}
	return nil
}

func (s *Store) addProblem(ctx context.Context, tx *sql.Tx, p *erp.Problem) error {
	key := classKey(p.Feed, p.Severity, p.Template)
	var id int64
	switch err := s.queryRow(ctx, tx, s.st.ProblemClassLock(p.Shop, key)).Scan(&id); {
	case errors.Is(err, sql.ErrNoRows):
		if err := s.queryRow(ctx, tx, s.st.ProblemClassInsert(p.Shop, key, *p)).Scan(&id); err != nil {
			return fmt.Errorf("add problem class: %w", s.mapErr(err))
		}
	case err != nil:
		return fmt.Errorf("read problem class: %w", s.mapErr(err))
	default:
		if _, err := s.exec(ctx, tx, s.st.ProblemClassSeen(id, p.At)); err != nil {
			return fmt.Errorf("count problem class: %w", s.mapErr(err))
		}
	}
	p.ClassID = id
	if _, err := s.exec(ctx, tx, s.st.ProblemAdd(*p)); err != nil {
		return fmt.Errorf("add problem: %w", s.mapErr(err))
	}
	if p.RecordKey == "" {
		return nil
	}
	if p.Severity == passthrough.SeverityInfo {
		_, err := s.exec(ctx, tx, s.st.ProblemResolve(erp.ProblemResolveParams{Shop: p.Shop, Feed: p.Feed, RecordKey: p.RecordKey,
			Status: erp.ProblemSucceeded, Reason: p.Message, At: p.At}))
		return s.mapErr(err)
	}
	var status string
	switch err := s.queryRow(ctx, tx, s.st.ProblemRecordLock(p.Shop, p.Feed, p.RecordKey)).Scan(&status); {
	case errors.Is(err, sql.ErrNoRows):
		_, err = s.exec(ctx, tx, s.st.ProblemRecordInsert(*p))
		return s.mapErr(err)
	case err != nil:
		return fmt.Errorf("read the record's problem: %w", s.mapErr(err))
	}
	_, err := s.exec(ctx, tx, s.st.ProblemRecordSeen(*p))
	return s.mapErr(err)
}

// ProblemClassList lists a shop's problem classes, most recently seen first.
func (s *Store) ProblemClassList(ctx context.Context, p erp.ProblemClassListParams) ([]erp.ProblemClass, error) {
	if p.Shop == "" {
		return nil, fmt.Errorf("list problem classes: no shop given: %w", erp.ErrInvalidValue)
	}
	out, err := queryAll(ctx, s, "list problem classes", s.st.ProblemClassList(p), scanProblemClass)
	if err != nil {
		return nil, fmt.Errorf("list problem classes: %w", err)
	}
	return out, nil
}

// ProblemClassGet reads one class of a shop.
func (s *Store) ProblemClassGet(ctx context.Context, shop string, id int64) (erp.ProblemClass, error) {
	out, err := queryAll(ctx, s, "get problem class", s.st.ProblemClassGet(shop, id), scanProblemClass)
	if err != nil {
		return erp.ProblemClass{}, fmt.Errorf("get problem class %d: %w", id, err)
	}
	if len(out) == 0 {
		return erp.ProblemClass{}, fmt.Errorf("problem class %s/%d: %w", shop, id, erp.ErrNotFound)
	}
	return out[0], nil
}

func scanProblemClass(rows *sql.Rows) (erp.ProblemClass, error) {
	var c erp.ProblemClass
	var severity string
	var first, last sql.NullTime
	var occurrences, open int64
	if err := rows.Scan(&c.ID, &c.Shop, &c.Feed, &severity, &c.Template, &first, &last, &occurrences, &open); err != nil {
		return c, err
	}
	c.Severity, c.FirstSeenAt, c.LastSeenAt = passthrough.Severity(severity), timeOf(first), timeOf(last)
	c.Occurrences, c.Open = int(occurrences), int(open)
	return c, nil
}

// ProblemRecordList lists records' problems, most recently seen first.
func (s *Store) ProblemRecordList(ctx context.Context, p erp.ProblemRecordListParams) ([]erp.ProblemRecord, error) {
	if p.Shop == "" || (p.Feed == "" && p.ClassID == 0) {
		return nil, fmt.Errorf("list records' problems: a shop and a feed or class are needed: %w", erp.ErrInvalidValue)
	}
	out, err := queryAll(ctx, s, "list records' problems", s.st.ProblemRecordList(p), func(rows *sql.Rows) (erp.ProblemRecord, error) {
		var r erp.ProblemRecord
		var severity string
		var first, last, resolved sql.NullTime
		var occurrences int64
		var exec sql.NullInt64
		if err := rows.Scan(&r.Shop, &r.Feed, &r.RecordKey, &r.ClassID, &severity, &r.Message, &r.Status, &first, &last,
			&occurrences, &exec, &resolved, &r.ResolvedBy, &r.Resolution); err != nil {
			return r, err
		}
		r.Severity, r.FirstSeenAt, r.LastSeenAt, r.ResolvedAt = passthrough.Severity(severity), timeOf(first), timeOf(last), timeOf(resolved)
		r.Occurrences, r.ExecutionID = int(occurrences), exec.Int64
		return r, nil
	})
	if err != nil {
		return nil, fmt.Errorf("list records' problems: %w", err)
	}
	return out, nil
}

// ProblemResolve ends the open problems p selects.
func (s *Store) ProblemResolve(ctx context.Context, p erp.ProblemResolveParams) (int, error) {
	switch {
	case p.Shop == "" || p.Feed == "":
		return 0, fmt.Errorf("resolve problems: a shop and a feed are needed: %w", erp.ErrInvalidValue)
	case p.Status != erp.ProblemResolved && p.Status != erp.ProblemSucceeded:
		return 0, fmt.Errorf("resolve problems: status %q is not resolved or succeeded: %w", p.Status, erp.ErrInvalidValue)
	case p.RecordKey == "" && p.ClassID == 0 && p.SeenBefore.IsZero():
		return 0, fmt.Errorf("resolve problems: name a record, a class or a time: %w", erp.ErrInvalidValue)
	case utf8.RuneCountInString(p.By) > maxActor:
		return 0, fmt.Errorf("resolve problems: the user's name is longer than %d characters: %w", maxActor, erp.ErrInvalidValue)
	}
	if p.At.IsZero() {
		p.At = s.clock()
	}
	p.Reason = strings.TrimSpace(p.Reason)
	st := s.st.ProblemResolve(p)
	var n int64
	err := s.retry(ctx, "resolve problems", func(ctx context.Context) (err error) {
		n, err = s.exec(ctx, nil, st)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("resolve problems: %w", err)
	}
	return int(n), nil
}

// --- statements ---------------------------------------------------------------------------

const problemClassCols = "c.id, c.shop, c.feed, c.severity, c.template, c.first_seen_at, c.last_seen_at, c.occurrences"

// ProblemClassLock reads a class's id by its key and holds it until the transaction ends.
func (st Statements) ProblemClassLock(shop, key string) Stmt {
	p := &params{d: st.d}
	w := "shop = " + p.add(st.text(shop)) + " AND class_key = " + p.add(st.text(key))
	return Stmt{SQL: st.d.SelectForUpdate(st.name("pt_problem_classes"), []string{"id"}, w), Args: p.args}
}

// ProblemClassInsert adds a class seen for the first time, answering its id.
func (st Statements) ProblemClassInsert(shop, key string, pr erp.Problem) Stmt {
	return Stmt{SQL: st.d.InsertID(st.name("pt_problem_classes"),
		[]string{"shop", "feed", "class_key", "severity", "template", "first_seen_at", "last_seen_at", "occurrences"}, "id"),
		Args: []any{st.text(shop), st.text(pr.Feed), st.text(key), st.text(string(pr.Severity)), st.text(pr.Template),
			st.time(pr.At), st.time(pr.At), st.int64(1)}}
}

// ProblemClassSeen counts one more problem of a class, seen at.
func (st Statements) ProblemClassSeen(id int64, at time.Time) Stmt {
	p := &params{d: st.d}
	ph := p.add(st.time(at))
	q := "UPDATE " + st.name("pt_problem_classes") + " SET occurrences = occurrences + 1, last_seen_at = CASE WHEN last_seen_at < " + ph +
		" THEN " + p.add(st.time(at)) + " ELSE last_seen_at END WHERE id = " + p.add(st.int64(id))
	return Stmt{SQL: q, Args: p.args}
}

// ProblemClassList lists classes, most recently seen first, each with its open records
// counted on the records' class index.
func (st Statements) ProblemClassList(lp erp.ProblemClassListParams) Stmt {
	p := &params{d: st.d}
	open := p.add(st.text(erp.ProblemOpen))
	where := []string{"c.shop = " + p.add(st.text(lp.Shop))}
	if lp.Feed != "" {
		where = append(where, "c.feed = "+p.add(st.text(lp.Feed)))
	}
	if lp.Severity != "" {
		where = append(where, "c.severity = "+p.add(st.text(string(lp.Severity))))
	}
	if !lp.Since.IsZero() {
		where = append(where, "c.first_seen_at >= "+p.add(st.time(lp.Since)))
	}
	count := "(SELECT COUNT(*) FROM " + st.name("pt_problem_records") + " r WHERE r.shop = c.shop AND r.class_id = c.id AND r.status = " + open + ")"
	inner := "SELECT " + problemClassCols + ", " + count + " AS n_open FROM " + st.name("pt_problem_classes") + " c WHERE " + strings.Join(where, " AND ")
	q := "SELECT * FROM (" + inner + ") k"
	if lp.OpenOnly {
		q += " WHERE k.n_open > 0"
	}
	q += " ORDER BY k.last_seen_at DESC, k.id DESC" + st.d.Limit(p.add(st.int64(int64(limit(lp.Limit, 100, 1000)))))
	return Stmt{SQL: q, Args: p.args}
}

// ProblemClassGet reads one class of a shop with its open records counted.
func (st Statements) ProblemClassGet(shop string, id int64) Stmt {
	p := &params{d: st.d}
	open := p.add(st.text(erp.ProblemOpen))
	q := "SELECT " + problemClassCols + ", (SELECT COUNT(*) FROM " + st.name("pt_problem_records") +
		" r WHERE r.shop = c.shop AND r.class_id = c.id AND r.status = " + open + ") FROM " + st.name("pt_problem_classes") +
		" c WHERE c.shop = " + p.add(st.text(shop)) + " AND c.id = " + p.add(st.int64(id))
	return Stmt{SQL: q, Args: p.args}
}

// ProblemRecordLock reads a record's problem status and holds it until the transaction ends.
func (st Statements) ProblemRecordLock(shop, feed, key string) Stmt {
	p := &params{d: st.d}
	w := "shop = " + p.add(st.text(shop)) + " AND feed = " + p.add(st.text(feed)) + " AND record_key = " + p.add(st.text(key))
	return Stmt{SQL: st.d.SelectForUpdate(st.name("pt_problem_records"), []string{"status"}, w), Args: p.args}
}

// ProblemRecordInsert records a record's first problem, open.
func (st Statements) ProblemRecordInsert(pr erp.Problem) Stmt {
	p := &params{d: st.d}
	vals := []string{p.add(st.text(pr.Shop)), p.add(st.text(pr.Feed)), p.add(st.text(pr.RecordKey)), p.add(st.int64(pr.ClassID)),
		p.add(st.text(string(pr.Severity))), p.add(st.text(pr.Message)), p.add(st.text(erp.ProblemOpen)), p.add(st.time(pr.At)),
		p.add(st.time(pr.At)), p.add(st.int64(1)), p.add(st.int64OrNull(pr.ExecutionID))}
	return Stmt{SQL: "INSERT INTO " + st.name("pt_problem_records") + " (shop, feed, record_key, class_id, severity, message, status," +
		" first_seen_at, last_seen_at, occurrences, execution_id) VALUES (" + strings.Join(vals, ", ") + ")", Args: p.args}
}

// ProblemRecordSeen records a record's new problem: of its class now, open again.
func (st Statements) ProblemRecordSeen(pr erp.Problem) Stmt {
	p := &params{d: st.d}
	q := "UPDATE " + st.name("pt_problem_records") + " SET class_id = " + p.add(st.int64(pr.ClassID)) +
		", severity = " + p.add(st.text(string(pr.Severity))) + ", message = " + p.add(st.text(pr.Message)) +
		", status = " + p.add(st.text(erp.ProblemOpen)) + ", last_seen_at = " + p.add(st.time(pr.At)) +
		", occurrences = occurrences + 1, execution_id = " + p.add(st.int64OrNull(pr.ExecutionID)) +
		", resolved_at = " + p.add(st.time(time.Time{})) + ", resolved_by = " + p.add(st.text("")) + ", resolution = " + p.add(st.text("")) +
		" WHERE shop = " + p.add(st.text(pr.Shop)) + " AND feed = " + p.add(st.text(pr.Feed)) + " AND record_key = " + p.add(st.text(pr.RecordKey))
	return Stmt{SQL: q, Args: p.args}
}

const problemRecordCols = "shop, feed, record_key, class_id, severity, message, status, first_seen_at, last_seen_at, occurrences," +
	" execution_id, resolved_at, resolved_by, resolution"

// ProblemRecordList pages through records' problems by (last seen, record key), newest
// first, on the class index (or the feed's).
func (st Statements) ProblemRecordList(lp erp.ProblemRecordListParams) Stmt {
	p := &params{d: st.d}
	where := []string{"shop = " + p.add(st.text(lp.Shop))}
	if lp.ClassID != 0 {
		where = append(where, "class_id = "+p.add(st.int64(lp.ClassID)))
	}
	if lp.Feed != "" {
		where = append(where, "feed = "+p.add(st.text(lp.Feed)))
	}
	if lp.Status != "" {
		where = append(where, "status = "+p.add(st.text(lp.Status)))
	}
	if lp.RecordKey != "" {
		where = append(where, "record_key = "+p.add(st.text(lp.RecordKey)))
	}
	if a := lp.After; a != nil {
		at := st.time(a.LastSeenAt)
		where = append(where, fmt.Sprintf("last_seen_at <= %s AND (last_seen_at < %s OR record_key < %s)",
			p.add(at), p.add(at), p.add(st.text(a.RecordKey))))
	}
	q := "SELECT " + problemRecordCols + " FROM " + st.name("pt_problem_records") + " WHERE " + strings.Join(where, " AND ") +
		" ORDER BY last_seen_at DESC, record_key DESC" + st.d.Limit(p.add(st.int64(int64(limit(lp.Limit, 100, 1000)))))
	return Stmt{SQL: q, Args: p.args}
}

// ProblemResolve ends open problems, answering how many.
func (st Statements) ProblemResolve(rp erp.ProblemResolveParams) Stmt {
	p := &params{d: st.d}
	update := "UPDATE " + st.name("pt_problem_records") + " SET status = " + p.add(st.text(rp.Status)) +
		", resolved_at = " + p.add(st.time(rp.At)) + ", resolved_by = " + p.add(st.text(rp.By)) + ", resolution = " + p.add(st.text(rp.Reason))
	where := []string{"shop = " + p.add(st.text(rp.Shop)), "feed = " + p.add(st.text(rp.Feed)), "status = " + p.add(st.text(erp.ProblemOpen))}
	if rp.RecordKey != "" {
		where = append(where, "record_key = "+p.add(st.text(rp.RecordKey)))
	}
	if rp.ClassID != 0 {
		where = append(where, "class_id = "+p.add(st.int64(rp.ClassID)))
	}
	if !rp.SeenBefore.IsZero() {
		where = append(where, "last_seen_at < "+p.add(st.time(rp.SeenBefore)))
	}
	return st.counted(update, strings.Join(where, " AND "), p.args)
}
