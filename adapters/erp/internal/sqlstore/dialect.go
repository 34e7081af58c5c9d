// Package sqlstore is the database/sql implementation of erp.Store that the dialect packages
// (erpsqlite, erppostgres, erpmssql) share. The work is the same on every database: one
// transaction per order, the same tables, the same checks. What differs — placeholders,
// quoting, upserts, row locks, column types, error codes, migrations — is asked of a Dialect,
// so each dialect package says only how its database differs.
package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
)

// Dialect is everything one database does its own way. Table and column names given to its
// statement builders are SQL text already: quoted by Quote, or passthrough's own plain names.
type Dialect interface {
	Name() erp.Dialect

	// Placeholder is the text of the i-th parameter of a statement, counted from 1:
	// "?", "$1", "@p1".
	Placeholder(i int) string
	// Quote makes name an identifier whatever characters it holds.
	Quote(name string) string
	// Limit is the clause after an ORDER BY that keeps the first n rows, n being the
	// parameter ph.
	Limit(ph string) string
	// Upsert writes one row of table keyed by the key columns. Its parameters are the values
	// of cols, in that order (key columns included); columns in insertOnly are written when
	// the row is new and left as they are when it exists. Two transactions upserting the
	// same key at once must both succeed, one after the other.
	Upsert(table string, key, cols, insertOnly []string) string
	// UpsertUnlessImported is Upsert for an order header that leaves an existing row alone
	// when its status column is not blank (the ERP has imported the order). It answers a
	// row when it wrote the header and none when it did not; a concurrent upsert of the
	// same key waits for this one's transaction.
	UpsertUnlessImported(table string, key, cols, insertOnly []string, status string) string
	// SelectForUpdate reads cols of the rows matching where and holds them — and, where the
	// database can, the gap a missing row would fill — until the transaction ends, so a
	// concurrent writer of the same key waits.
	SelectForUpdate(table string, cols []string, where string) string
	// InsertID inserts one row and returns the generated value of the id column as a row.
	InsertID(table string, cols []string, id string) string
	// Combine makes one statement that runs first and then second, taking first's
	// parameters followed by second's, or answers "" when the database cannot.
	Combine(first, second string) string
	// Prepare says whether statements are worth preparing once and keeping: where parsing
	// costs more than running (SQLite), not where the driver caches them itself (pgx) or
	// never prepares on the server (go-mssqldb).
	Prepare() bool
	// CountedUpdate is the statement update (UPDATE … SET …) WHERE where, made to answer the
	// number of rows it changed as a result row, for drivers whose RowsAffected cannot be
	// trusted; "" when RowsAffected can.
	CountedUpdate(update, where string) string

	// ColumnsQuery lists the columns of table in schema ("" for the connection's own), in
	// order, answering per column what ColumnInfo holds, in its order.
	ColumnsQuery(schema, table string) (string, []any)
	// Column turns one answer of ColumnsQuery into a column.
	Column(info ColumnInfo) passthrough.Column
	// TextLength is the length of s as the column counts it, for checking a value fits
	// before the database refuses it; an error when the column cannot hold one of its
	// characters at all (a code page without it).
	TextLength(c passthrough.Column, s string) (int, error)
	// Bind turns a normalised value (nil, string, int64, float64, bool, UTC time.Time
	// truncated to the millisecond, decimal.Decimal) into the parameter the driver should
	// get for column c: of the column's type where the driver can say so, NULL included.
	Bind(c passthrough.Column, v any) any
	// Compared is expr — a value of one of passthrough's own columns — as column c compares
	// it in a join: of the column's type and in its collation, so that the two sides of
	// the join do not conflict and c's index still finds the rows.
	Compared(c passthrough.Column, expr string) string
	// PrefixEnd is appended to a lower-case prefix to make the exclusive upper bound of
	// the range of strings starting with it, in the order the ledger's search_email column
	// sorts by.
	PrefixEnd() string

	// Classify says which erp sentinel err means (ErrDuplicate, ErrRetryable,
	// ErrInvalidValue), or nil when it is none of them.
	Classify(err error) error

	// Now is the database's current time in UTC, as SQL, in the form its time columns hold:
	// what leases are compared with, so that processes whose clocks disagree still agree
	// when one has run out.
	Now() string
	// NowPlus is Now moved by the parameter ph, a number of milliseconds (negative for
	// the past).
	NowPlus(ph string) string

	// Migrations are the dialect's goose migrations for a store working in schema ("" for
	// the connection's own).
	Migrations(schema string) Migrations
}

// ColumnInfo is what ColumnsQuery answers about one column, in the order it answers it.
type ColumnInfo struct {
	Name, DataType string
	// MaxLength, Precision and Scale as INFORMATION_SCHEMA.COLUMNS gives them (NULL where
	// they do not apply).
	MaxLength, Precision, Scale sql.NullInt64
	Nullable                    string // "YES" or "NO"
	Collation                   sql.NullString
	IgnoreCase                  bool // the collation compares ignoring case
	Generated                   bool // identity, computed or rowversion: filled by the database
	CodePage                    sql.NullInt64
}

// scan reads one answer of ColumnsQuery.
func (ci *ColumnInfo) scan(rows *sql.Rows) error {
	var ignoreCase, generated int64
	if err := rows.Scan(&ci.Name, &ci.DataType, &ci.MaxLength, &ci.Precision, &ci.Scale, &ci.Nullable, &ci.Collation,
		&ignoreCase, &generated, &ci.CodePage); err != nil {
		return err
	}
	ci.IgnoreCase, ci.Generated = ignoreCase != 0, generated != 0
	return nil
}

// Migrations are one dialect's schema migrations for goose.
type Migrations struct {
	Dialect goose.Dialect
	FS      fs.FS // the .sql files at its root
	// Go are migrations written in Go, for changes SQL cannot make conditionally (SQLite).
	Go []*goose.Migration
	// VersionTable is where goose records the applied migrations; VersionTable when empty.
	VersionTable string
	// Locker, when set, returns the lock that keeps two migrating processes apart.
	Locker func(ctx context.Context, db *sql.DB) (lock.SessionLocker, error)
}

// TimeFormat is how SQLite holds times: UTC text that sorts as time does, and that
// SQLite's own strftime('%Y-%m-%d %H:%M:%f') writes too.
const TimeFormat = "2006-01-02 15:04:05.000"

// Normalize truncates t to the millisecond in UTC, which every dialect stores exactly.
func Normalize(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

// OnConflictUpsert is the upsert of SQLite and PostgreSQL:
// INSERT … ON CONFLICT (key) DO UPDATE SET c = excluded.c. The database waits for a
// concurrent insert of the same key and then updates, so neither writer fails.
func OnConflictUpsert(d Dialect, table string, key, cols, insertOnly []string) string {
	ph := make([]string, len(cols))
	var set []string
	for i, c := range cols {
		ph[i] = d.Placeholder(i + 1)
		if !slices.Contains(key, c) && !slices.Contains(insertOnly, c) {
			set = append(set, c+" = excluded."+c)
		}
	}
	action := "DO NOTHING"
	if len(set) > 0 {
		action = "DO UPDATE SET " + strings.Join(set, ", ")
	}
	return fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s) ON CONFLICT (%s) %s",
		table, strings.Join(cols, ", "), strings.Join(ph, ", "), strings.Join(key, ", "), action)
}

// OnConflictUpsertUnlessImported is UpsertUnlessImported for SQLite and PostgreSQL: the
// update's WHERE refuses an imported row, and RETURNING answers only rows written.
func OnConflictUpsertUnlessImported(d Dialect, table string, key, cols, insertOnly []string, status string) string {
	ph := make([]string, len(cols))
	var set []string
	for i, c := range cols {
		ph[i] = d.Placeholder(i + 1)
		if !slices.Contains(key, c) && !slices.Contains(insertOnly, c) {
			set = append(set, c+" = excluded."+c)
		}
	}
	if len(set) == 0 {
		set = []string{key[0] + " = excluded." + key[0]}
	}
	return fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s) ON CONFLICT (%s) DO UPDATE SET %s WHERE TRIM(COALESCE(%s.%s, '')) = '' RETURNING 1",
		table, strings.Join(cols, ", "), strings.Join(ph, ", "), strings.Join(key, ", "), strings.Join(set, ", "), table, status)
}

// TypeLength reads n from a declared type such as "VARCHAR(100)" or "numeric(18,4)"; 0
// when it has none.
func TypeLength(typ string) int {
	_, rest, ok := strings.Cut(typ, "(")
	if !ok {
		return 0
	}
	fields := strings.FieldsFunc(rest, func(r rune) bool { return r == ',' || r == ')' })
	if len(fields) == 0 {
		return 0
	}
	n, err := strconv.Atoi(strings.TrimSpace(fields[0]))
	if err != nil {
		return 0
	}
	return n
}

// TypePrecision reads p and s from a declared type such as "DECIMAL(18,4)"; 0 for what it
// does not say.
func TypePrecision(typ string) (precision, scale int) {
	_, rest, ok := strings.Cut(typ, "(")
	if !ok {
		return 0, 0
	}
	fields := strings.FieldsFunc(rest, func(r rune) bool { return r == ',' || r == ')' })
	if len(fields) > 0 {
		precision, _ = strconv.Atoi(strings.TrimSpace(fields[0]))
	}
	if len(fields) > 1 {
		scale, _ = strconv.Atoi(strings.TrimSpace(fields[1]))
	}
	return precision, scale
}
