// Package erpmssql is the ERP store on SQL Server through github.com/microsoft/go-mssqldb
// (driver "sqlserver", @pN parameters): the production target, where the ERP's own staging
// tables live. Tables are found in the login's default schema.
//
// Upserts never use MERGE (its known races, and engines that speak T-SQL without it): they
// update with UPDLOCK and SERIALIZABLE hints, which hold the key — or the gap where it would
// be — until the transaction ends, and insert when no row was touched. Deadlock victims
// (1205) and lock timeouts (1222) are retried with jitter, unique violations (2627, 2601)
// map to erp.ErrDuplicate. Sessions run with XACT_ABORT ON, so a failed statement or a
// dropped client never leaves a transaction open holding locks on the ERP's tables.
package erpmssql

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/golang-sql/civil"
	mssql "github.com/microsoft/go-mssqldb"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"github.com/shopspring/decimal"

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

// Store is the SQL Server implementation of erp.Store.
type Store struct{ *sqlstore.Store }

// sessionInit runs on every new connection and every time the pool hands one out again
// (one round trip): with XACT_ABORT ON any error rolls the whole transaction back at once,
// instead of leaving it open, holding locks, until the client notices.
const sessionInit = "SET XACT_ABORT ON;"

// Open connects to the database at dsn, e.g.
// sqlserver://user:pass@host:1433?database=ERP&encrypt=true. It does not migrate.
func Open(ctx context.Context, dsn string, opts ...erp.Option) (*Store, error) {
	c, err := mssql.NewConnector(dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlserver: %w", err)
	}
	c.SessionInitSQL = sessionInit
	db := sql.OpenDB(c)
	// A few minutes' lifetime lets connections move to a failover partner.
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(20)
	db.SetConnMaxLifetime(5 * time.Minute)
	db.SetConnMaxIdleTime(time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlserver: %w", err)
	}
	return newStore(db, opts...), nil
}

// newStore wraps a handle opened elsewhere (tests give one from go-sqlmock).
func newStore(db *sql.DB, opts ...erp.Option) *Store {
	return &Store{sqlstore.New(db, Dialect{}, opts...)}
}

// Dialect is SQL Server's way of doing what the store does.
type Dialect struct{}

var _ sqlstore.Dialect = Dialect{}

func (Dialect) Name() erp.Dialect { return erp.DialectSQLServer }

func (Dialect) Placeholder(i int) string { return "@p" + strconv.Itoa(i) }

func (Dialect) Quote(name string) string { return "[" + strings.ReplaceAll(name, "]", "]]") + "]" }

func (Dialect) Limit(ph string) string { return " OFFSET 0 ROWS FETCH NEXT " + ph + " ROWS ONLY" }

// Upsert updates the row under UPDLOCK and SERIALIZABLE and inserts it when no row was
// touched. The hints hold the key range until the transaction ends, so a concurrent upsert
// of the same key waits instead of inserting a duplicate; the store always runs it inside a
// transaction.
func (d Dialect) Upsert(table string, key, cols, insertOnly []string) string {
	return d.upsert(table, key, cols, insertOnly) + ";"
}

func (d Dialect) upsert(table string, key, cols, insertOnly []string) string {
	where := d.keyWhere(key, cols)
	insert := d.insert(table, cols)
	set := d.setList(key, cols, insertOnly)
	if len(set) == 0 {
		return "IF NOT EXISTS (SELECT 1 FROM " + table + " WITH (UPDLOCK, SERIALIZABLE) WHERE " + where + ")\n    " + insert
	}
	return "UPDATE " + table + " WITH (UPDLOCK, SERIALIZABLE) SET " + strings.Join(set, ", ") + " WHERE " + where +
		";\nIF @@ROWCOUNT = 0\n    " + insert
}

// keyWhere matches the key columns against their parameters, found by position in cols.
func (d Dialect) keyWhere(key, cols []string) string {
	parts := make([]string, len(key))
	for i, k := range key {
		parts[i] = k + " = " + d.Placeholder(slices.Index(cols, k)+1)
	}
	return strings.Join(parts, " AND ")
}

func (d Dialect) insert(table string, cols []string) string {
	ph := make([]string, len(cols))
	for i := range cols {
		ph[i] = d.Placeholder(i + 1)
	}
	return "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES (" + strings.Join(ph, ", ") + ")"
}

// UpsertUnlessImported first reads the header's key under UPDLOCK and HOLDLOCK, which
// holds it (or the gap for a new order) until the transaction ends, and writes only when
// the import status is blank. It answers a row only when it wrote.
func (d Dialect) UpsertUnlessImported(table string, key, cols, insertOnly []string, status string) string {
	return "IF NOT EXISTS (SELECT 1 FROM " + table + " WITH (UPDLOCK, HOLDLOCK) WHERE " + d.keyWhere(key, cols) +
		" AND LTRIM(RTRIM(COALESCE(" + status + ", N''))) <> N'')\nBEGIN\n    " +
		strings.ReplaceAll(d.upsert(table, key, cols, insertOnly), "\n", "\n    ") + ";\n    SELECT 1;\nEND;"
}

func (d Dialect) setList(key, cols, insertOnly []string) []string {
	var set []string
	for i, c := range cols {
		if !slices.Contains(key, c) && !slices.Contains(insertOnly, c) {
			set = append(set, c+" = "+d.Placeholder(i+1))
		}
	}
	return set
}

func (Dialect) SelectForUpdate(table string, cols []string, where string) string {
	return "SELECT " + strings.Join(cols, ", ") + " FROM " + table + " WITH (UPDLOCK, HOLDLOCK) WHERE " + where
}

// InsertID returns the new id through OUTPUT, as SQL Server has no RETURNING (the pt_
// tables it is used on have no triggers, which OUTPUT without INTO would refuse).
func (d Dialect) InsertID(table string, cols []string, id string) string {
	ph := make([]string, len(cols))
	for i := range cols {
		ph[i] = d.Placeholder(i + 1)
	}
	return "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") OUTPUT INSERTED." + id +
		" VALUES (" + strings.Join(ph, ", ") + ")"
}

// Combine sends both statements as one batch.
func (Dialect) Combine(first, second string) string {
	return strings.TrimSuffix(first, ";") + ";\n" + second + ";"
}

// RowCount reads the rows an UPDATE touched from @@ROWCOUNT: the driver's RowsAffected adds
// up the counts of the ERP's triggers too, and reads nothing under SET NOCOUNT ON.
// Prepare is pointless: go-mssqldb sends every statement through sp_executesql.
func (Dialect) Prepare() bool { return false }

func (Dialect) RowCount() string { return "SELECT @@ROWCOUNT" }

func (Dialect) ColumnsQuery() string {
	return "SELECT COLUMN_NAME, DATA_TYPE, CHARACTER_MAXIMUM_LENGTH, IS_NULLABLE FROM INFORMATION_SCHEMA.COLUMNS" +
		" WHERE TABLE_SCHEMA = SCHEMA_NAME() AND TABLE_NAME = @p1 ORDER BY ORDINAL_POSITION"
}

func (Dialect) Column(name, dataType string, maxLength sql.NullInt64, nullable bool) passthrough.Column {
	c := passthrough.Column{Name: name, DataType: dataType, Nullable: nullable}
	switch strings.ToLower(dataType) {
	case "nvarchar", "varchar", "nchar", "char", "ntext", "text":
		c.Kind = passthrough.KindText
		if maxLength.Int64 > 0 { // -1 is (max)
			c.MaxLength = int(maxLength.Int64)
		}
	case "tinyint", "smallint", "int", "bigint":
		c.Kind = passthrough.KindInteger
	case "decimal", "numeric", "money", "smallmoney", "float", "real":
		c.Kind = passthrough.KindDecimal
	case "datetime2", "datetime", "smalldatetime", "date", "datetimeoffset":
		c.Kind = passthrough.KindTime
	case "bit":
		c.Kind = passthrough.KindBool
	default:
		c.Kind = passthrough.KindOther
	}
	return c
}

// TextLength counts as the column does: UTF-16 code units for the n types (an emoji takes
// two), characters otherwise.
func (Dialect) TextLength(c passthrough.Column, s string) int {
	if strings.HasPrefix(strings.ToLower(c.DataType), "n") {
		n := 0
		for _, r := range s {
			n += utf16.RuneLen(r)
		}
		return n
	}
	return utf8.RuneCountInString(s)
}

// Bind gives the driver the SQL Server type the column has, so comparisons stay index
// seeks: varchar for varchar columns (a Go string is sent as nvarchar, which would convert
// the column and scan), datetime2 for times (time.Time is sent as datetimeoffset), and
// decimals as exact text for the server to convert.
func (Dialect) Bind(c passthrough.Column, v any) any {
	switch x := v.(type) {
	case string:
		switch strings.ToLower(c.DataType) {
		case "varchar", "char", "text":
			return mssql.VarChar(x)
		}
	case time.Time:
		switch strings.ToLower(c.DataType) {
		case "datetimeoffset":
			return x
		case "date":
			return civil.DateOf(x)
		}
		return civil.DateTimeOf(x.UTC())
	case decimal.Decimal:
		return x.String()
	}
	return v
}

// PrefixEnd sorts after every UTF-16 code unit under the BIN2 collation of search_email.
func (Dialect) PrefixEnd() string { return "\uFFFF" }

// SQL Server error numbers the store tells apart.
var (
	duplicate = []int32{2627, 2601}
	retryable = []int32{
		1205,                // chosen as deadlock victim
		1222,                // lock request time out
		40197,               // Azure SQL: service error processing the request
		40501,               // Azure SQL: service busy
		40613,               // Azure SQL: database not currently available
		49918, 49919, 49920, // Azure SQL: too many operations
	}
	invalid = []int32{
		515,      // NULL into a NOT NULL column
		547,      // CHECK or FOREIGN KEY constraint
		2628,     // string or binary data would be truncated (naming the column)
		8152,     // string or binary data would be truncated
		8114,     // error converting a parameter's type
		8115,     // arithmetic overflow
		245,      // conversion failed
		241, 242, // date and time conversion
	}
)

func (Dialect) Classify(err error) error {
	var se interface{ SQLErrorNumber() int32 }
	if !errors.As(err, &se) {
		return nil
	}
	n := se.SQLErrorNumber()
	switch {
	case slices.Contains(duplicate, n):
		return erp.ErrDuplicate
	case slices.Contains(retryable, n):
		return erp.ErrRetryable
	case slices.Contains(invalid, n):
		return erp.ErrInvalidValue
	}
	return nil
}

func (Dialect) Now() string { return "SYSUTCDATETIME()" }

// NowPlus casts the milliseconds to int: DATEADD refuses a bigint, which is what the driver
// sends a Go integer as.
func (Dialect) NowPlus(ph string) string {
	return "DATEADD(millisecond, CAST(" + ph + " AS int), SYSUTCDATETIME())"
}

func (Dialect) Migrations() sqlstore.Migrations {
	return sqlstore.Migrations{Dialect: goose.DialectMSSQL, FS: Migrations(),
		Locker: func(context.Context, *sql.DB) (lock.SessionLocker, error) { return appLock{}, nil }}
}

// appLock keeps two migrating processes apart with a session application lock, which SQL
// Server frees by itself if the process dies.
type appLock struct{}

const appLockResource = "passthrough-migrate"

func (appLock) SessionLock(ctx context.Context, conn *sql.Conn) error {
	var r int
	err := conn.QueryRowContext(ctx, "DECLARE @r int; EXEC @r = sp_getapplock @Resource = @p1, @LockMode = 'Exclusive', @LockOwner = 'Session', @LockTimeout = @p2; SELECT @r;",
		appLockResource, int64((5 * time.Minute).Milliseconds())).Scan(&r)
	if err != nil {
		return fmt.Errorf("take the migration lock: %w", err)
	}
	if r < 0 {
		return fmt.Errorf("take the migration lock: sp_getapplock answered %d (-1 timed out, -2 cancelled, -3 deadlock)", r)
	}
	return nil
}

func (appLock) SessionUnlock(ctx context.Context, conn *sql.Conn) error {
	if _, err := conn.ExecContext(ctx, "EXEC sp_releaseapplock @Resource = @p1, @LockOwner = 'Session';", appLockResource); err != nil {
		return fmt.Errorf("release the migration lock: %w", err)
	}
	return nil
}
