// Package erpsqlite is the ERP store on an embedded SQLite file (modernc.org/sqlite, pure
// Go, no cgo): the default for `passthrough demo` and for tests that need no server.
//
// Open makes the connection safe for several writers whatever the DSN says: WAL, a busy
// timeout and BEGIN IMMEDIATE transactions (a deferred transaction that reads and then
// writes cannot wait for the lock and fails with "database is locked"), foreign keys on.
// Money is kept as exact decimal text and times as UTC text "YYYY-MM-DD HH:MM:SS.SSS".
package erpsqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pressly/goose/v3"
	"github.com/shopspring/decimal"
	"modernc.org/sqlite"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/erp/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations are the dialect's goose migrations.
func Migrations() fs.FS {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		panic(err) // the folder is embedded above; it cannot be missing
	}
	return sub
}

// Store is the SQLite implementation of erp.Store.
type Store struct{ *sqlstore.Store }

// Open opens (creating it if needed) the SQLite database at dsn, e.g. "file:passthrough.db"
// or "passthrough.db". It does not migrate.
func Open(ctx context.Context, dsn string, opts ...erp.Option) (*Store, error) {
	if schema := erp.NewOptions(opts...).Schema; schema != "" {
		return nil, fmt.Errorf("open sqlite: SQLite has no schemas (erp.schema is %q): %w", schema, erp.ErrInvalidValue)
	}
	full, memory, err := withSettings(dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	db, err := sql.Open("sqlite", full)
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	if memory {
		// Every connection to ":memory:" is a database of its own; keep to one.
		db.SetMaxOpenConns(1)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	return &Store{sqlstore.New(db, Dialect{}, opts...)}, nil
}

// withSettings adds what concurrent writers need to the DSN: a busy timeout, WAL and
// synchronous=NORMAL unless the DSN chose otherwise, and always foreign keys and
// immediate transactions.
func withSettings(dsn string) (string, bool, error) {
	name, rawQuery, _ := strings.Cut(dsn, "?")
	if name == "" {
		return "", false, errors.New("the DSN names no database file")
	}
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return "", false, fmt.Errorf("read DSN parameters: %w", err)
	}
	has := func(pragma string, keys ...string) bool {
		for _, k := range keys {
			if q.Has(k) {
				return true
			}
		}
		for _, p := range q["_pragma"] {
			if strings.HasPrefix(strings.ToLower(strings.TrimSpace(p)), pragma) {
				return true
			}
		}
		return false
	}
	if !has("busy_timeout", "_busy_timeout", "_timeout") {
		q.Add("_pragma", "busy_timeout(10000)")
	}
	if !has("journal_mode", "_journal_mode", "_journal") {
		q.Add("_pragma", "journal_mode(WAL)")
	}
	if !has("synchronous", "_synchronous", "_sync") {
		q.Add("_pragma", "synchronous(NORMAL)")
	}
	q.Del("_fk")
	q.Set("_foreign_keys", "1")
	q.Set("_txlock", "immediate")
	memory := strings.Contains(name, ":memory:") || q.Get("mode") == "memory"
	return name + "?" + q.Encode(), memory, nil
}

// Dialect is SQLite's way of doing what the store does.
type Dialect struct{}

var _ sqlstore.Dialect = Dialect{}

func (Dialect) Name() erp.Dialect { return erp.DialectSQLite }

func (Dialect) Placeholder(int) string { return "?" }

func (Dialect) Quote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

func (Dialect) Limit(ph string) string { return " LIMIT " + ph }

func (d Dialect) Upsert(table string, key, cols, insertOnly []string) string {
	return sqlstore.OnConflictUpsert(d, table, key, cols, insertOnly)
}

func (d Dialect) UpsertUnlessImported(table string, key, cols, insertOnly []string, status string) string {
	return sqlstore.OnConflictUpsertUnlessImported(d, table, key, cols, insertOnly, status)
}

// SelectForUpdate needs no lock of its own: every transaction began IMMEDIATE and holds
// the database's write lock already.
func (Dialect) SelectForUpdate(table string, cols []string, where string) string {
	return "SELECT " + strings.Join(cols, ", ") + " FROM " + table + " WHERE " + where
}

func (Dialect) InsertID(table string, cols []string, id string) string {
	ph := strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ")
	return "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES (" + ph + ") RETURNING " + id
}

// Combine answers "": SQLite runs one statement at a time, and a statement costs no round
// trip anyway.
func (Dialect) Combine(string, string) string { return "" }

// Prepare keeps statements: SQLite spends more time parsing a wide INSERT than running it.
func (Dialect) Prepare() bool { return true }

func (Dialect) CountedUpdate(string, string) string { return "" }

// ColumnsQuery reads pragma_table_info. SQLite keeps no lengths or precisions of its own:
// they come from the declared type (VARCHAR(30), DECIMAL_TEXT(18,4)). A column is filled
// by the database when it is the table's INTEGER PRIMARY KEY (the rowid), and compares
// ignoring case when an index of the table keeps it COLLATE NOCASE (the only place SQLite
// reports a column's collation).
func (Dialect) ColumnsQuery(_, table string) (string, []any) {
	return `SELECT t.name, t.type, NULL, NULL, NULL, CASE WHEN t."notnull" = 0 AND t.pk = 0 THEN 'YES' ELSE 'NO' END, NULL,` +
		` COALESCE((SELECT MAX(x.coll = 'NOCASE') FROM pragma_index_list(?1) l, pragma_index_xinfo(l.name) x WHERE x.name = t.name), 0),` +
		` CASE WHEN t.pk = 1 AND upper(t.type) = 'INTEGER' AND (SELECT COUNT(*) FROM pragma_table_info(?1) WHERE pk > 0) = 1 THEN 1 ELSE 0 END,` +
		` NULL FROM pragma_table_info(?1) t ORDER BY t.cid`, []any{table}
}

// Column reads SQLite's declared type the way SQLite's affinity rules do, except that
// DECIMAL_TEXT (TEXT affinity, holding exact decimals) is a decimal and BOOLEAN or BIT a
// bool. SQLite stores any integer in any integer column; the range is the declared type's
// in SQL Server and PostgreSQL (INTEGER is 32 bits, BIGINT 64, TINYINT 0 to 255), so the
// embedded database refuses what a server would. The rowid is 64 bits.
func (Dialect) Column(info sqlstore.ColumnInfo) passthrough.Column {
	c := passthrough.Column{Name: info.Name, DataType: info.DataType, Nullable: info.Nullable == "YES", Generated: info.Generated,
		IgnoreCase: info.IgnoreCase}
	t := strings.ToUpper(info.DataType)
	has := func(parts ...string) bool {
		for _, p := range parts {
			if strings.Contains(t, p) {
				return true
			}
		}
		return false
	}
	switch {
	case has("BOOL") || strings.HasPrefix(t, "BIT"):
		c.Kind = passthrough.KindBool
	case has("DATE", "TIME"):
		c.Kind = passthrough.KindTime
	case has("DEC", "NUMERIC", "MONEY", "REAL", "FLOA", "DOUB"):
		c.Kind = passthrough.KindDecimal
		if has("DEC", "NUMERIC") {
			c.Precision, c.Scale = sqlstore.TypePrecision(info.DataType)
		}
	case has("INT"):
		c.Kind = passthrough.KindInteger
		bits := 32
		switch {
		case info.Generated, has("BIGINT", "INT8", "UNSIGNED BIG INT"):
			bits = 64
		case has("TINYINT"):
			bits = 8
		case has("SMALLINT", "INT2"):
			bits = 16
		}
		c.Min, c.Max = sqlstore.IntRange(bits)
	case has("CHAR", "TEXT", "CLOB"):
		c.Kind = passthrough.KindText
		c.MaxLength = sqlstore.TypeLength(info.DataType)
	default:
		c.Kind = passthrough.KindOther
	}
	return c
}

func (Dialect) TextLength(_ passthrough.Column, s string) (int, error) {
	return utf8.RuneCountInString(s), nil
}

// Bind writes times as sortable UTC text (a date column's as the date alone), decimals as
// exact text and booleans as 0/1.
func (Dialect) Bind(c passthrough.Column, v any) any {
	switch x := v.(type) {
	case time.Time:
		if t := strings.ToUpper(c.DataType); strings.Contains(t, "DATE") && !strings.Contains(t, "TIME") {
			return x.UTC().Format(time.DateOnly)
		}
		return x.UTC().Format(sqlstore.TimeFormat)
	case decimal.Decimal:
		return x.String()
	case bool:
		if x {
			return int64(1)
		}
		return int64(0)
	}
	return v
}

// Compared leaves expr as it is: SQLite compares with the column's own collation whenever a
// column is one side of the comparison, whatever the other side's type.
func (Dialect) Compared(_ passthrough.Column, expr string) string { return expr }

// PrefixEnd sorts after every character in SQLite's default (byte-wise) order.
func (Dialect) PrefixEnd() string { return "\U0010FFFF" }

// SQLite result codes the store tells apart (sqlite.org/rescode.html).
const (
	codeBusy             = 5
	codeLocked           = 6
	codeTooBig           = 18
	codeConstraintCheck  = 275
	codeConstraintNull   = 1299
	codeConstraintPK     = 1555
	codeConstraintUnique = 2067
	codeConstraintType   = 3091
)

func (Dialect) Classify(err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return nil
	}
	switch se.Code() {
	case codeConstraintUnique, codeConstraintPK:
		return erp.ErrDuplicate
	case codeConstraintNull, codeConstraintCheck, codeConstraintType:
		return erp.ErrInvalidValue
	}
	switch se.Code() & 0xff {
	case codeBusy, codeLocked:
		return erp.ErrRetryable
	case codeTooBig:
		return erp.ErrInvalidValue
	}
	return nil
}

// Now is the current UTC time as the text SQLite keeps times in (sqlstore.TimeFormat), to
// the millisecond, so it compares with stored times as text.
func (Dialect) Now() string { return "strftime('%Y-%m-%d %H:%M:%f', 'now')" }

func (Dialect) NowPlus(ph string) string {
	return "strftime('%Y-%m-%d %H:%M:%f', 'now', (" + ph + " / 1000.0) || ' seconds')"
}

// Migrations are the .sql files and, for what SQLite cannot do in SQL, Go migrations.
// SQLite has no schemas: Open refuses one.
func (Dialect) Migrations(string) sqlstore.Migrations {
	return sqlstore.Migrations{Dialect: goose.DialectSQLite3, FS: Migrations(), Go: goMigrations()}
}

// goMigrations are the migrations SQLite cannot make in SQL: it has no IF, and changes a
// column's declared type only by building the table anew.
func goMigrations() []*goose.Migration {
	widen := goose.NewGoMigration(5, &goose.GoFunc{RunTx: widenStagingColumns}, nil)
	widen.Source = "00005_wider_staging_columns.go"
	refunds := goose.NewGoMigration(7, &goose.GoFunc{RunTx: addRefundsAndCompleteness}, &goose.GoFunc{RunTx: dropRefundsAndCompleteness})
	refunds.Source = "00007_refunds_completeness.go"
	operator := goose.NewGoMigration(9, &goose.GoFunc{RunTx: addOperatorTables}, &goose.GoFunc{RunTx: dropOperatorTables})
	operator.Source = "00009_operator.go"
	return []*goose.Migration{widen, refunds, operator}
}
