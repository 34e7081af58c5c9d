// Package erppostgres is the ERP store on PostgreSQL through pgx v5's database/sql driver:
// a second real server for the staging tables, and the stand-in for a server database in
// tests. Tables live in the connection's current schema (its search_path).
package erppostgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

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

// Store is the PostgreSQL implementation of erp.Store.
type Store struct{ *sqlstore.Store }

// Open connects to the database at dsn, a URL (postgres://user@host:5432/db?sslmode=…) or
// key=value string as pgx reads them. With erp.WithSchema, every connection's search_path is
// that schema, so migrations create their tables there too. It does not migrate.
func Open(ctx context.Context, dsn string, opts ...erp.Option) (*Store, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	if schema := erp.NewOptions(opts...).Schema; schema != "" {
		cfg.RuntimeParams["search_path"] = pgx.Identifier{schema}.Sanitize()
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(20)
	db.SetConnMaxLifetime(30 * time.Minute)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		if c := (Dialect{}).Classify(err); c != nil {
			return nil, fmt.Errorf("open postgres: %w: %w", c, err)
		}
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	return &Store{sqlstore.New(db, Dialect{}, opts...)}, nil
}

// Dialect is PostgreSQL's way of doing what the store does.
type Dialect struct{}

var _ sqlstore.Dialect = Dialect{}

func (Dialect) Name() erp.Dialect { return erp.DialectPostgres }

func (Dialect) Placeholder(i int) string { return "$" + strconv.Itoa(i) }

func (Dialect) Quote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

func (Dialect) Limit(ph string) string { return " LIMIT " + ph }

func (d Dialect) Upsert(table string, key, cols, insertOnly []string) string {
	return sqlstore.OnConflictUpsert(d, table, key, cols, insertOnly)
}

func (d Dialect) UpsertUnlessImported(table string, key, cols, insertOnly []string, status string) string {
	return sqlstore.OnConflictUpsertUnlessImported(d, table, key, cols, insertOnly, status)
}

// SelectForUpdate locks an existing row. A missing one cannot be locked; a concurrent
// insert of the same key then waits in the upsert's ON CONFLICT instead.
func (Dialect) SelectForUpdate(table string, cols []string, where string) string {
	return "SELECT " + strings.Join(cols, ", ") + " FROM " + table + " WHERE " + where + " FOR UPDATE"
}

func (d Dialect) InsertID(table string, cols []string, id string) string {
	ph := make([]string, len(cols))
	for i := range cols {
		ph[i] = d.Placeholder(i + 1)
	}
	return "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES (" + strings.Join(ph, ", ") + ") RETURNING " + id
}

// Combine runs first as a data-modifying WITH, which PostgreSQL executes to completion
// before the statement ends whether or not second reads it.
func (Dialect) Combine(first, second string) string {
	return "WITH first AS (" + first + ") " + second
}

// Prepare leaves it to pgx, which prepares and caches every statement per connection.
func (Dialect) Prepare() bool { return false }

func (Dialect) CountedUpdate(string, string) string { return "" }

// ColumnsQuery reads information_schema.columns, with what it leaves out: whether the
// column's collation ignores case (a nondeterministic collation, or citext), and whether
// the database fills it (identity, generated, serial).
func (Dialect) ColumnsQuery(schema, table string) (string, []any) {
	where, args := "c.table_schema = current_schema() AND c.table_name = $1", []any{table}
	if schema != "" {
		where, args = "c.table_schema = $1 AND c.table_name = $2", []any{schema, table}
	}
	return "SELECT c.column_name::text, CASE WHEN c.data_type = 'USER-DEFINED' THEN c.udt_name::text ELSE c.data_type::text END," +
		" c.character_maximum_length::int, c.numeric_precision::int, c.numeric_scale::int, c.is_nullable::text," +
		" CASE WHEN c.collation_name IS NULL THEN NULL ELSE quote_ident(c.collation_schema::text) || '.' || quote_ident(c.collation_name::text) END," +
		" CASE WHEN c.udt_name = 'citext' OR NOT co.collisdeterministic THEN 1 ELSE 0 END," +
		" CASE WHEN c.is_identity = 'YES' OR c.is_generated = 'ALWAYS' OR c.column_default LIKE 'nextval(%' THEN 1 ELSE 0 END," +
		" NULL::int" +
		" FROM information_schema.columns c LEFT JOIN pg_collation co" +
		" ON co.collname = c.collation_name::text AND co.collnamespace = to_regnamespace(c.collation_schema::text)::oid" +
		" WHERE " + where + " ORDER BY c.ordinal_position", args
}

func (Dialect) Column(info sqlstore.ColumnInfo) passthrough.Column {
	c := passthrough.Column{Name: info.Name, DataType: info.DataType, Nullable: info.Nullable == "YES", Generated: info.Generated,
		Collation: info.Collation.String, IgnoreCase: info.IgnoreCase}
	switch info.DataType {
	case "character varying", "character", "text", "citext":
		c.Kind = passthrough.KindText
		c.MaxLength = int(info.MaxLength.Int64)
	case "smallint":
		c.Kind = passthrough.KindInteger
		c.Min, c.Max = sqlstore.IntRange(16)
	case "integer":
		c.Kind = passthrough.KindInteger
		c.Min, c.Max = sqlstore.IntRange(32)
	case "bigint":
		c.Kind = passthrough.KindInteger
		c.Min, c.Max = sqlstore.IntRange(64)
	case "numeric":
		c.Kind, c.Precision, c.Scale = passthrough.KindDecimal, int(info.Precision.Int64), int(info.Scale.Int64)
	case "money":
		// A 64-bit count of cents (of the locale's currency).
		c.Kind, c.Scale = passthrough.KindDecimal, 2
		c.Min, c.Max = sqlstore.IntRange(64)
	case "real", "double precision":
		c.Kind = passthrough.KindDecimal
	case "timestamp with time zone", "timestamp without time zone", "date":
		c.Kind = passthrough.KindTime
	case "boolean":
		c.Kind = passthrough.KindBool
	default:
		c.Kind = passthrough.KindOther
	}
	return c
}

// TextLength counts characters, as varchar(n) does. The database's encoding (UTF-8) holds
// every character but NUL, which PostgreSQL's text types cannot hold at all.
func (Dialect) TextLength(_ passthrough.Column, s string) (int, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return 0, errors.New(`PostgreSQL text cannot hold the NUL character (\x00)`)
	}
	return utf8.RuneCountInString(s), nil
}

// Bind passes values as they are: pgx encodes strings, integers, booleans, times and
// decimal.Decimal (through its Valuer, as exact text) as the type of the parameter the
// server described when it prepared the statement, NULL included.
func (Dialect) Bind(_ passthrough.Column, v any) any { return v }

// Compared compares in the column's collation when it has one of its own: two columns of
// different non-default collations cannot be compared otherwise.
func (Dialect) Compared(c passthrough.Column, expr string) string {
	if c.Collation == "" {
		return expr
	}
	return expr + " COLLATE " + c.Collation
}

// PrefixEnd sorts after every character under the "C" collation of search_email.
func (Dialect) PrefixEnd() string { return "\U0010FFFF" }

func (Dialect) Classify(err error) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "23505":
			return erp.ErrDuplicate
		case pe.Code == "40P01", pe.Code == "40001", pe.Code == "55P03", pe.Code == "53300",
			pe.Code == "57P01", pe.Code == "57P02", pe.Code == "57P03", strings.HasPrefix(pe.Code, "08"):
			// deadlock, serialization failure, lock not available, too many connections,
			// server shutting down or starting, connection exceptions
			return erp.ErrRetryable
		case pe.Code == "23502", pe.Code == "23514", strings.HasPrefix(pe.Code, "22"):
			// NOT NULL, CHECK, and data exceptions: too long, out of range, bad text
			// (a NUL character), invalid format
			return erp.ErrInvalidValue
		case strings.HasPrefix(pe.Code, "28"), pe.Code == "42501":
			// invalid authorization (a bad password), insufficient privilege
			return erp.ErrDenied
		}
		return nil
	}
	if pgconn.SafeToRetry(err) || pgconn.Timeout(err) {
		return erp.ErrRetryable
	}
	if strings.Contains(err.Error(), "failed to encode args[") {
		// pgx refuses, before sending anything, a value its parameter's type cannot hold (a
		// quantity beyond an integer column); it has no error type to match.
		return erp.ErrInvalidValue
	}
	return nil
}

// Now is the start of the current transaction (of the statement, outside one), which keeps
// one transaction's comparisons consistent.
func (Dialect) Now() string { return "now()" }

func (Dialect) NowPlus(ph string) string {
	return "(now() + " + ph + "::bigint * interval '1 millisecond')"
}

// Migrations run in the connection's search_path, which Open sets to the store's schema.
func (Dialect) Migrations(string) sqlstore.Migrations {
	return sqlstore.Migrations{Dialect: goose.DialectPostgres, FS: Migrations(), Locker: schemaLocker}
}

// schemaLocker takes an advisory lock named after the current schema, so two processes
// migrating one schema go one after the other while migrations of other schemas in the
// same database do not wait for them.
func schemaLocker(ctx context.Context, db *sql.DB) (lock.SessionLocker, error) {
	var schema string
	if err := db.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return nil, fmt.Errorf("read current schema: %w", err)
	}
	h := fnv.New64a()
	h.Write([]byte("passthrough migrate " + schema))
	return lock.NewPostgresSessionLocker(lock.WithLockID(int64(h.Sum64())), lock.WithLockTimeout(1, 300))
}
