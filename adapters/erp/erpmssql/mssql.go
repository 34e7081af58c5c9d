// Package erpmssql is the ERP store on SQL Server through github.com/microsoft/go-mssqldb
// (driver "sqlserver", @pN parameters): the production target, where the ERP's own staging
// tables live. Tables are found in the store's schema (erp.WithSchema), or the login's
// default schema; every statement and migration names its tables in that schema.
//
// Upserts never use MERGE (its known races, and engines that speak T-SQL without it): they
// update with UPDLOCK and SERIALIZABLE hints, which hold the key — or the gap where it would
// be — until the transaction ends, and insert when no row was touched. Deadlock victims
// (1205) and lock timeouts (1222) are retried with jitter, unique violations (2627, 2601)
// map to erp.ErrDuplicate. Sessions run with XACT_ABORT ON, so a failed statement or a
// dropped client never leaves a transaction open holding locks on the ERP's tables.
package erpmssql

import (
	"bytes"
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
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"

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
		if c := (Dialect{}).Classify(err); c != nil {
			return nil, fmt.Errorf("open sqlserver: %w: %w", c, err)
		}
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
// the import status is blank: an UPDATE when the key is there, an INSERT when not. The
// header is the ERP's table, which may have triggers, so the choice is made on the key,
// never on the @@ROWCOUNT an UPDATE leaves after a trigger ran. It answers a row only when
// it wrote.
func (d Dialect) UpsertUnlessImported(table string, key, cols, insertOnly []string, status string) string {
	where := d.keyWhere(key, cols)
	write := "IF NOT EXISTS (SELECT 1 FROM " + table + " WITH (UPDLOCK, HOLDLOCK) WHERE " + where + ")\n        " + d.insert(table, cols) + ";"
	if set := d.setList(key, cols, insertOnly); len(set) > 0 {
		write = "IF EXISTS (SELECT 1 FROM " + table + " WITH (UPDLOCK, HOLDLOCK) WHERE " + where + ")\n        UPDATE " + table +
			" SET " + strings.Join(set, ", ") + " WHERE " + where + ";\n    ELSE\n        " + d.insert(table, cols) + ";"
	}
	return "IF NOT EXISTS (SELECT 1 FROM " + table + " WITH (UPDLOCK, HOLDLOCK) WHERE " + where +
		" AND LTRIM(RTRIM(COALESCE(" + status + ", N''))) <> N'')\nBEGIN\n    " + write + "\n    SELECT 1;\nEND;"
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

// Prepare is pointless: go-mssqldb sends every statement through sp_executesql.
func (Dialect) Prepare() bool { return false }

// CountedUpdate counts the rows the UPDATE touched through OUTPUT … INTO a table variable:
// the driver's RowsAffected adds up the counts of the ERP's triggers too and reads nothing
// under SET NOCOUNT ON, and what @@ROWCOUNT says after a trigger ran is not the UPDATE's to
// rely on. OUTPUT with INTO is allowed on a table with triggers (without INTO it is not).
func (Dialect) CountedUpdate(update, where string) string {
	return "DECLARE @n TABLE (x int);\n" + update + " OUTPUT 1 INTO @n WHERE " + where + ";\nSELECT COUNT(*) FROM @n;"
}

// ColumnsQuery reads INFORMATION_SCHEMA.COLUMNS, with what it leaves out: whether the
// database fills the column (identity, computed, rowversion), whether its collation ignores
// case, and the code page a varchar column keeps its characters in.
func (Dialect) ColumnsQuery(schema, table string) (string, []any) {
	where, args := "c.TABLE_SCHEMA = SCHEMA_NAME() AND c.TABLE_NAME = @p1", []any{table}
	if schema != "" {
		where, args = "c.TABLE_SCHEMA = @p1 AND c.TABLE_NAME = @p2", []any{schema, table}
	}
	const object = "OBJECT_ID(QUOTENAME(c.TABLE_SCHEMA) + N'.' + QUOTENAME(c.TABLE_NAME))"
	return "SELECT c.COLUMN_NAME, c.DATA_TYPE, c.CHARACTER_MAXIMUM_LENGTH, c.NUMERIC_PRECISION, c.NUMERIC_SCALE, c.IS_NULLABLE, c.COLLATION_NAME," +
		" CASE WHEN c.COLLATION_NAME LIKE N'%[_]CI[_]%' OR c.COLLATION_NAME LIKE N'%[_]CI' THEN 1 ELSE 0 END," +
		" CASE WHEN COLUMNPROPERTY(" + object + ", c.COLUMN_NAME, 'IsIdentity') = 1" +
		" OR COLUMNPROPERTY(" + object + ", c.COLUMN_NAME, 'IsComputed') = 1 OR c.DATA_TYPE = N'timestamp' THEN 1 ELSE 0 END," +
		" CAST(COLLATIONPROPERTY(c.COLLATION_NAME, 'CodePage') AS int)" +
		" FROM INFORMATION_SCHEMA.COLUMNS c WHERE " + where + " ORDER BY c.ORDINAL_POSITION", args
}

func (Dialect) Column(info sqlstore.ColumnInfo) passthrough.Column {
	c := passthrough.Column{Name: info.Name, DataType: info.DataType, Nullable: info.Nullable == "YES", Generated: info.Generated,
		Collation: info.Collation.String, IgnoreCase: info.IgnoreCase}
	switch strings.ToLower(info.DataType) {
	case "varchar", "char", "text":
		c.Kind, c.CodePage = passthrough.KindText, int(info.CodePage.Int64)
		if info.MaxLength.Int64 > 0 { // -1 is (max)
			c.MaxLength = int(info.MaxLength.Int64)
		}
	case "nvarchar", "nchar", "ntext":
		c.Kind = passthrough.KindText
		if info.MaxLength.Int64 > 0 {
			c.MaxLength = int(info.MaxLength.Int64)
		}
	case "tinyint":
		c.Kind, c.Min, c.Max = passthrough.KindInteger, 0, 255
	case "smallint":
		c.Kind = passthrough.KindInteger
		c.Min, c.Max = sqlstore.IntRange(16)
	case "int":
		c.Kind = passthrough.KindInteger
		c.Min, c.Max = sqlstore.IntRange(32)
	case "bigint":
		c.Kind = passthrough.KindInteger
		c.Min, c.Max = sqlstore.IntRange(64)
	case "decimal", "numeric":
		c.Kind, c.Precision, c.Scale = passthrough.KindDecimal, int(info.Precision.Int64), int(info.Scale.Int64)
	case "money":
		// A 64-bit count of ten-thousandths.
		c.Kind, c.Scale = passthrough.KindDecimal, 4
		c.Min, c.Max = sqlstore.IntRange(64)
	case "smallmoney":
		c.Kind, c.Scale = passthrough.KindDecimal, 4
		c.Min, c.Max = sqlstore.IntRange(32)
	case "float", "real":
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
// two); for varchar, bytes in the column's code page, which must have every character (a
// Latin1 column has no 東: SQL Server would store a '?' without a word).
func (Dialect) TextLength(c passthrough.Column, s string) (int, error) {
	if strings.HasPrefix(strings.ToLower(c.DataType), "n") {
		n := 0
		for _, r := range s {
			n += utf16.RuneLen(r)
		}
		return n, nil
	}
	if isASCII(s) {
		return len(s), nil // the same bytes in every code page SQL Server has
	}
	if c.CodePage == utf8CodePage {
		return len(s), nil
	}
	enc := codePages[c.CodePage]
	if enc == nil {
		return utf8.RuneCountInString(s), nil // an unknown code page: characters, unchecked
	}
	e, n := enc.NewEncoder(), 0
	for _, r := range s {
		b, err := e.String(string(r))
		if err != nil {
			return 0, fmt.Errorf("the column's code page %d has no %q; the column would need to be nvarchar", c.CodePage, r)
		}
		n += len(b)
	}
	return n, nil
}

// utf8CodePage is the code page of SQL Server 2019's UTF-8 collations.
const utf8CodePage = 65001

// codePages are the code pages of SQL Server's collations for varchar columns.
var codePages = map[int]encoding.Encoding{
	437: charmap.CodePage437, 850: charmap.CodePage850, 874: charmap.Windows874,
	1250: charmap.Windows1250, 1251: charmap.Windows1251, 1252: charmap.Windows1252, 1253: charmap.Windows1253,
	1254: charmap.Windows1254, 1255: charmap.Windows1255, 1256: charmap.Windows1256, 1257: charmap.Windows1257,
	1258: charmap.Windows1258,
	932:  japanese.ShiftJIS, 936: simplifiedchinese.GBK, 949: korean.EUCKR, 950: traditionalchinese.Big5,
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// Bind gives the driver each value as the column's SQL Server type, so no server has to
// guess and comparisons stay index seeks: varchar for varchar columns (go-mssqldb sends a Go
// string as nvarchar, which converts the column and scans its index) when the text is ASCII
// — other text goes as nvarchar, for the server to convert to the column's code page, since
// the driver sends varchar bytes as they are; int, smallint and tinyint at their sizes;
// datetime2, datetime or date for times (time.Time is sent as datetimeoffset); decimals as
// exact varchar text for the server to convert (the driver has no decimal parameter). NULL
// is a NULL of the column's type: go-mssqldb sends a Go nil as an untyped NULL (type 0x1F),
// which SQL Server tolerates and other TDS servers refuse.
func (Dialect) Bind(c passthrough.Column, v any) any {
	typ := strings.ToLower(c.DataType)
	switch x := v.(type) {
	case nil:
		return nullOf(c)
	case string:
		switch typ {
		case "varchar", "char", "text":
			if isASCII(x) {
				return mssql.VarChar(x)
			}
		}
	case int64:
		switch typ {
		case "tinyint":
			return uint8(x)
		case "smallint":
			return int16(x)
		case "int":
			return int32(x)
		}
	case time.Time:
		switch typ {
		case "datetimeoffset":
			return x
		case "date":
			return civil.DateOf(x)
		case "datetime", "smalldatetime":
			return mssql.DateTime1(x.UTC())
		}
		return civil.DateTimeOf(x.UTC())
	case decimal.Decimal:
		switch typ {
		case "float", "real":
			return x.InexactFloat64()
		}
		return mssql.VarChar(x.String())
	}
	return v
}

// nullOf is a NULL of the column's type, as go-mssqldb types NULLs (mssql.go's makeParam):
// sql.Null* values and its own Null* types. Text and decimals go as nvarchar(4000) NULL,
// the only typed NULL of those families the driver has; a NULL is stored, never compared.
func nullOf(c passthrough.Column) any {
	switch strings.ToLower(c.DataType) {
	case "tinyint":
		return sql.NullByte{}
	case "smallint":
		return sql.NullInt16{}
	case "int":
		return sql.NullInt32{}
	case "float", "real":
		return sql.NullFloat64{}
	case "date":
		return mssql.NullDate{}
	case "time":
		return mssql.NullTime{}
	case "datetimeoffset":
		return sql.NullTime{}
	case "uniqueidentifier":
		return mssql.NullUniqueIdentifier{}
	case "binary", "varbinary", "image":
		return []byte(nil)
	}
	switch c.Kind {
	case passthrough.KindInteger:
		return sql.NullInt64{}
	case passthrough.KindDecimal:
		return decimal.NullDecimal{}
	case passthrough.KindTime:
		return mssql.NullDateTime{}
	case passthrough.KindBool:
		return sql.NullBool{}
	}
	return sql.NullString{}
}

// Compared gives expr the column's type when it is varchar (an nvarchar value converts the
// column and, under a SQL collation, scans its index) and its collation, when the database
// reported one (two columns of different collations cannot be compared otherwise: 468).
func (Dialect) Compared(c passthrough.Column, expr string) string {
	switch strings.ToLower(c.DataType) {
	case "varchar", "char":
		expr = "CAST(" + expr + " AS varchar(8000))"
	}
	if c.Collation != "" && strings.Trim(c.Collation, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == "" {
		expr += " COLLATE " + c.Collation
	}
	return expr
}

// PrefixEnd sorts after every UTF-16 code unit under the BIN2 collation of search_email.
func (Dialect) PrefixEnd() string { return "\uFFFF" }

// SQL Server error numbers the store tells apart, by what they mean for the record or the
// run. The value checks the store makes before writing catch most of the invalid values
// first; the numbers are for what they cannot see (a trigger, a CHECK constraint).
var (
	duplicate = []int32{
		2627, // a PRIMARY KEY or UNIQUE constraint
		2601, // a unique index
	}
	retryable = []int32{
		1205,                // chosen as deadlock victim
		1222,                // lock request time out
		40197,               // Azure SQL: service error processing the request
		40501,               // Azure SQL: service busy
		40613,               // Azure SQL: database not currently available
		49918, 49919, 49920, // Azure SQL: too many operations
	}
	invalid = []int32{
		8115,     // arithmetic overflow converting to a type (a number too big for decimal(p,s))
		220,      // arithmetic overflow for a type (a number beyond tinyint, smallint, int)
		244, 248, // a text value overflowed an integer column when converted
		2628,          // string or binary data would be truncated (naming the column)
		8152,          // string or binary data would be truncated
		515,           // NULL into a NOT NULL column
		547,           // CHECK or FOREIGN KEY constraint
		8114,          // error converting a parameter's type
		245,           // conversion failed
		241, 242, 517, // date and time conversion, out of range
	}
	denied = []int32{
		18456,               // login failed
		18452,               // login from an untrusted domain
		18486, 18487, 18488, // account locked, password expired, password must change
		4060,     // cannot open the database the login asked for
		916,      // the login may not use the database
		229, 230, // permission denied on an object, on a column
		262, 300, // permission denied in the database (CREATE TABLE, …)
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
	case slices.Contains(denied, n):
		return erp.ErrDenied
	}
	return nil
}

func (Dialect) Now() string { return "SYSUTCDATETIME()" }

// NowPlus casts the milliseconds to int: DATEADD refuses a bigint, which is what the driver
// sends a Go integer as.
func (Dialect) NowPlus(ph string) string {
	return "DATEADD(millisecond, CAST(" + ph + " AS int), SYSUTCDATETIME())"
}

// Migrations are the migrations for schema: every table they create or change is in it
// (the .sql files name tables as ${schema}.name), and the lock and the version table are
// the schema's own, so stores in two schemas of one database migrate apart.
func (Dialect) Migrations(schema string) sqlstore.Migrations {
	prefix := ""
	if schema != "" {
		prefix = Dialect{}.Quote(schema) + "."
	}
	return sqlstore.Migrations{Dialect: goose.DialectMSSQL, FS: schemaFS{Migrations(), prefix},
		VersionTable: prefix + sqlstore.VersionTable,
		Locker: func(context.Context, *sql.DB) (lock.SessionLocker, error) {
			return appLock{resource: strings.TrimSpace(appLockResource + " " + schema)}, nil
		}}
}

// schemaFS serves the migrations with ${schema}. replaced by the schema's quoted name and
// a dot, or by nothing for the login's default schema.
type schemaFS struct {
	fsys   fs.FS
	prefix string
}

func (f schemaFS) Open(name string) (fs.File, error) {
	if !strings.HasSuffix(name, ".sql") {
		return f.fsys.Open(name)
	}
	src, err := fs.ReadFile(f.fsys, name)
	if err != nil {
		return nil, err
	}
	info, err := fs.Stat(f.fsys, name)
	if err != nil {
		return nil, err
	}
	return &sqlFile{Reader: bytes.NewReader([]byte(inSchema(string(src), f.prefix))), info: info}, nil
}

// inSchema is a migration's text for the schema whose quoted name and dot is prefix.
func inSchema(migration, prefix string) string {
	return strings.ReplaceAll(migration, "${schema}.", prefix)
}

type sqlFile struct {
	*bytes.Reader
	info fs.FileInfo
}

func (f *sqlFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *sqlFile) Close() error               { return nil }

// appLock keeps two migrating processes apart with a session application lock, which SQL
// Server frees by itself if the process dies.
type appLock struct{ resource string }

const appLockResource = "passthrough-migrate"

func (l appLock) SessionLock(ctx context.Context, conn *sql.Conn) error {
	var r int
	err := conn.QueryRowContext(ctx, "DECLARE @r int; EXEC @r = sp_getapplock @Resource = @p1, @LockMode = 'Exclusive', @LockOwner = 'Session', @LockTimeout = @p2; SELECT @r;",
		l.resource, int64((5 * time.Minute).Milliseconds())).Scan(&r)
	if err != nil {
		return fmt.Errorf("take the migration lock: %w", err)
	}
	if r < 0 {
		return fmt.Errorf("take the migration lock: sp_getapplock answered %d (-1 timed out, -2 cancelled, -3 deadlock)", r)
	}
	return nil
}

func (l appLock) SessionUnlock(ctx context.Context, conn *sql.Conn) error {
	if _, err := conn.ExecContext(ctx, "EXEC sp_releaseapplock @Resource = @p1, @LockOwner = 'Session';", l.resource); err != nil {
		return fmt.Errorf("release the migration lock: %w", err)
	}
	return nil
}
