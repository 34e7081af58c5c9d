package erpmssql

import (
	"database/sql"
	"database/sql/driver"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-sql/civil"
	mssql "github.com/microsoft/go-mssqldb"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp/erptest"
	"github.com/passthrough-dev/passthrough/adapters/erp/internal/sqlstore"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestStatementsMatchTheGoldenFiles keeps every T-SQL statement the dialect generates in
// testdata/*.golden, with its parameters as the driver sends them — the SQL Server type,
// the Go type and the value — so a change to what reaches SQL Server shows in review: on
// the default tables, and (customer-tables_*) on tables shaped as ERPs bring them, in a
// schema of their own. Run with -update to rewrite them.
func TestStatementsMatchTheGoldenFiles(t *testing.T) {
	order := erptest.Order("acme", 450789469, 3)
	samples, err := sqlstore.Catalog(sqlstore.NewStatements(Dialect{}), migratedTables(t), order.HeaderRow, order.LineRows)
	require.NoError(t, err)

	t.Run("every statement builder is in the catalog", func(t *testing.T) {
		var built []string
		for _, s := range samples {
			name, _, _ := strings.Cut(s.Name, "/")
			built = append(built, name)
		}
		typ := reflect.TypeFor[sqlstore.Statements]()
		for i := range typ.NumMethod() {
			m := typ.Method(i)
			if m.Type.NumOut() > 0 && m.Type.Out(0) == typ {
				continue // InSchema: statements, not a statement
			}
			require.Contains(t, built, m.Name, "add %s to sqlstore.Catalog", m.Name)
		}
	})

	customer, err := sqlstore.StagingCatalog(sqlstore.NewStatements(Dialect{}).InSchema("erp"), customerOrder())
	require.NoError(t, err)
	for _, s := range customer {
		// The ERP's tables may have triggers, and SQL Server refuses OUTPUT without INTO on
		// a table with an enabled trigger.
		require.NotContains(t, s.Stmt.SQL, "OUTPUT", s.Name)
		samples = append(samples, sqlstore.Sample{Name: "customer-tables/" + s.Name, Stmt: s.Stmt})
	}

	var names []string
	for _, s := range samples {
		file := filepath.Join("testdata", strings.ReplaceAll(s.Name, "/", "_")+".golden")
		names = append(names, filepath.Base(file))
		got := render(t, s.Stmt)
		if *update {
			require.NoError(t, os.WriteFile(file, []byte(got), 0o644))
			continue
		}
		want, err := os.ReadFile(file)
		require.NoError(t, err, "run go test -update to write %s", file)
		require.Equal(t, string(want), got, "%s changed; review it and run go test -update", file)
	}
	entries, err := os.ReadDir("testdata")
	require.NoError(t, err)
	for _, e := range entries {
		require.True(t, slices.Contains(names, e.Name()), "testdata/%s belongs to no statement any more", e.Name())
	}
}

// render writes a statement and its parameters as the driver sends them.
func render(t *testing.T, s sqlstore.Stmt) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(s.SQL)
	b.WriteString("\n\n-- parameters\n")
	for i, a := range s.Args {
		v, err := driverConversion{}.ConvertValue(a)
		require.NoError(t, err)
		fmt.Fprintf(&b, "-- @p%d %s %T %s\n", i+1, sqlType(t, v), v, show(v))
	}
	return b.String()
}

// show writes a parameter's value for review: NULL for a typed NULL, times as times.
func show(v driver.Value) string {
	switch x := v.(type) {
	case mssql.DateTime1:
		return fmt.Sprintf("%q", time.Time(x).Format("2006-01-02T15:04:05.000"))
	case []byte:
		if x == nil {
			return "NULL"
		}
	case driver.Valuer:
		if inner, err := x.Value(); err == nil && inner == nil {
			return "NULL"
		}
	}
	return fmt.Sprintf("%q", fmt.Sprint(v))
}

// sqlType is the SQL Server type go-mssqldb sends a parameter as, after its own check of the
// parameter (driverConversion): the type switch of its encoder (makeParam and
// makeParamExtra in the module's mssql.go and mssql_go19.go), for the types the store binds.
// A nil would go as an untyped NULL (0x1F), which TDS servers other than SQL Server refuse:
// no statement may send one.
func sqlType(t *testing.T, v driver.Value) string {
	t.Helper()
	switch x := v.(type) {
	case nil:
		t.Fatal("a parameter would be sent as an untyped NULL (TDS type 0x1F)")
	case string:
		return "nvarchar"
	case mssql.VarChar:
		return "varchar"
	case uint8:
		return "tinyint"
	case int16:
		return "smallint"
	case int32:
		return "int"
	case int64:
		return "bigint"
	case float64:
		return "float"
	case bool:
		return "bit"
	case civil.DateTime:
		return "datetime2"
	case civil.Date:
		return "date"
	case mssql.DateTime1:
		return "datetime"
	case time.Time:
		return "datetimeoffset"
	case sql.NullString:
		return "nvarchar NULL"
	case decimal.NullDecimal:
		return "nvarchar NULL" // the driver sends decimals as text, NULL too
	case sql.NullInt64:
		return "bigint NULL"
	case sql.NullInt32:
		return "int NULL"
	case sql.NullInt16:
		return "smallint NULL"
	case sql.NullByte:
		return "tinyint NULL"
	case sql.NullBool:
		return "bit NULL"
	case sql.NullFloat64:
		return "float NULL"
	case mssql.NullDateTime:
		return "datetime2 NULL"
	case mssql.NullDate:
		return "date NULL"
	case mssql.NullTime:
		return "time NULL"
	case sql.NullTime:
		return "datetimeoffset NULL"
	case []byte:
		if x == nil {
			return "varbinary NULL"
		}
		return "varbinary"
	}
	t.Fatalf("the store binds a %T: say here which SQL Server type the driver sends it as", v)
	return ""
}

// customerOrder is one order for tables shaped as ERPs bring them, in a schema of their own,
// as SQL Server describes them: varchar keys under a case-insensitive Latin1 collation
// (not the server's default one, so the ledger's joins must say which collation compares),
// nvarchar names, datetime and date next to datetime2, a money total and decimal(p,s) prices,
// a bit flag and char(1) 'Y'/'N' flags, smallint line numbers, identity columns the database
// fills. erptest's customer tables have the same shape on every dialect.
func customerOrder() sqlstore.StagingOrder {
	const ci = "Latin1_General_100_CI_AS"
	col := func(name, typ string, length, precision, scale int64, nullable bool, generated bool) passthrough.Column {
		info := sqlstore.ColumnInfo{Name: name, DataType: typ, Nullable: map[bool]string{true: "YES", false: "NO"}[nullable], Generated: generated}
		if length != 0 {
			info.MaxLength = sql.NullInt64{Int64: length, Valid: true}
			info.Collation, info.IgnoreCase = sql.NullString{String: ci, Valid: true}, true
			info.CodePage = sql.NullInt64{Int64: 1252, Valid: true}
		}
		if precision != 0 {
			info.Precision, info.Scale = sql.NullInt64{Int64: precision, Valid: true}, sql.NullInt64{Int64: scale, Valid: true}
		}
		return Dialect{}.Column(info)
	}
	header := sqlstore.NewTable("web_orders", []passthrough.Column{
		col("id", "int", 0, 0, 0, false, true),
		col("shop", "varchar", 20, 0, 0, false, false),
		col("web_order_id", "bigint", 0, 0, 0, false, false),
		col("order_number", "varchar", 20, 0, 0, true, false),
		col("order_date", "datetime", 0, 0, 0, true, false),
		col("ship_date", "date", 0, 0, 0, true, false),
		col("customer_name", "nvarchar", 60, 0, 0, true, false),
		col("customer_email", "varchar", 100, 0, 0, true, false),
		col("order_total", "money", 0, 19, 4, true, false),
		col("freight", "decimal", 0, 12, 2, true, false),
		col("print_pick_sheet", "char", 1, 0, 0, true, false),
		col("cancelled", "bit", 0, 0, 0, false, false),
		col("import_status", "char", 1, 0, 0, true, false),
		col("import_error", "varchar", 255, 0, 0, true, false),
		col("erp_order_no", "varchar", 20, 0, 0, true, false),
		col("created_at", "datetime2", 0, 0, 0, false, false),
		col("updated_at", "datetime", 0, 0, 0, true, false),
	})
	lines := sqlstore.NewTable("web_order_lines", []passthrough.Column{
		col("line_id", "int", 0, 0, 0, false, true),
		col("shop", "varchar", 20, 0, 0, false, false),
		col("web_order_id", "bigint", 0, 0, 0, false, false),
		col("line_no", "smallint", 0, 0, 0, false, false),
		col("sku", "varchar", 30, 0, 0, false, false),
		col("description", "nvarchar", 60, 0, 0, true, false),
		col("qty", "int", 0, 0, 0, false, false),
		col("unit_price", "decimal", 0, 12, 2, true, false),
		col("taxable", "char", 1, 0, 0, true, false),
		col("warehouse", "char", 4, 0, 0, true, false),
	})
	order := erptest.CustomerOrder("acme", 450789469)
	return sqlstore.StagingOrder{Header: header, Lines: lines, Key: []string{"shop", "web_order_id"},
		HeaderRow: order.HeaderRow, LineRows: order.LineRows,
		Cancel:    passthrough.Row{Columns: []string{"cancelled"}, Values: []any{true}},
		Committed: sqlstore.CommittedColumns{SKU: "sku", Quantity: "qty", Warehouse: "warehouse"},
		LineKey:   []string{"shop", "web_order_id", "line_no"}}
}

// TestEveryStatementInASchemaNamesItsTablesThere builds the catalog for a store working in
// a schema: every table any statement reads or writes must be named in it, or SQL Server
// would look for it in the login's default schema.
func TestEveryStatementInASchemaNamesItsTablesThere(t *testing.T) {
	t.Parallel()
	order := erptest.Order("acme", 450789469, 3)
	samples, err := sqlstore.Catalog(sqlstore.NewStatements(Dialect{}).InSchema("erp"), migratedTables(t), order.HeaderRow, order.LineRows)
	require.NoError(t, err)
	table := regexp.MustCompile(`(?i)\b(?:FROM|JOIN|INTO|UPDATE)\s+(\S+)`)
	for _, s := range samples {
		if s.Name == "Columns" {
			continue // INFORMATION_SCHEMA's own view
		}
		found := table.FindAllStringSubmatch(s.Stmt.SQL, -1)
		require.NotEmpty(t, found, s.Name)
		for _, m := range found {
			if strings.HasPrefix(m[1], "(") || strings.HasPrefix(m[1], "@") {
				continue // a subquery, a table variable
			}
			require.True(t, strings.HasPrefix(m[1], "[erp]."), "%s names %s outside the schema:\n%s", s.Name, m[1], s.Stmt.SQL)
		}
	}
}
