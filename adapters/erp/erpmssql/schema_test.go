package erpmssql

import (
	"database/sql"
	"fmt"
	"io/fs"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp/erptest"
	"github.com/passthrough-dev/passthrough/adapters/erp/internal/sqlstore"
)

var (
	createTable = regexp.MustCompile(`(?m)^CREATE TABLE \$\{schema\}\.(\w+) \($`)
	columnLine  = regexp.MustCompile(`^\s+(\w+)\s+(\w+)(?:\((max|\d+)(?:,(\d+))?\))?(?: COLLATE \w+)?\s+(NOT NULL|NULL)\b`)
	alterColumn = regexp.MustCompile(`^\s+ALTER TABLE \$\{schema\}\.(\w+) ALTER COLUMN (\w+ \w+(?:\(\d+\))? (?:NOT NULL|NULL));$`)
	addColumn   = regexp.MustCompile(`^\s*ALTER TABLE \$\{schema\}\.(\w+) ADD (\w+ \w+(?:\([^)]*\))? (?:NOT NULL|NULL))`)
)

// migratedTables reads the tables the migrations create and widen, column by column, as SQL
// Server would describe them: no server runs here, so the T-SQL itself is checked.
func migratedTables(t *testing.T) map[string]*sqlstore.Table {
	return migratedTablesUpTo(t, 1<<30)
}

// migratedTablesUpTo reads the tables as the migrations up to version leave them.
func migratedTablesUpTo(t *testing.T, version int) map[string]*sqlstore.Table {
	t.Helper()
	out := map[string]*sqlstore.Table{}
	err := fs.WalkDir(Migrations(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if v, _ := strconv.Atoi(strings.SplitN(path, "_", 2)[0]); v > version {
			return nil
		}
		src, err := fs.ReadFile(Migrations(), path)
		if err != nil {
			return err
		}
		up, _, _ := strings.Cut(string(src), "-- +goose Down")
		var table string
		var cols []passthrough.Column
		for _, line := range strings.Split(up, "\n") {
			if m := alterColumn.FindStringSubmatch(line); m != nil {
				tbl := out[m[1]]
				require.NotNil(t, tbl, "%s alters %s, which no migration before it creates", path, m[1])
				c := parseColumn(t, "    "+m[2])
				cols := slices.Clone(tbl.Columns)
				i := slices.IndexFunc(cols, func(x passthrough.Column) bool { return x.Name == c.Name })
				require.GreaterOrEqual(t, i, 0, "%s alters %s.%s, which it does not have", path, m[1], c.Name)
				cols[i] = c
				out[m[1]] = sqlstore.NewTable(m[1], cols)
				continue
			}
			if m := addColumn.FindStringSubmatch(line); m != nil {
				tbl := out[m[1]]
				require.NotNil(t, tbl, "%s adds a column to %s, which no migration before it creates", path, m[1])
				out[m[1]] = sqlstore.NewTable(m[1], append(slices.Clone(tbl.Columns), parseColumn(t, "    "+m[2])))
				continue
			}
			if m := createTable.FindStringSubmatch(line); m != nil {
				table, cols = m[1], nil
				continue
			}
			if table == "" {
				continue
			}
			if strings.HasPrefix(line, ")") {
				out[table] = sqlstore.NewTable(table, cols)
				table = ""
				continue
			}
			if columnLine.MatchString(line) { // not CONSTRAINT lines
				cols = append(cols, parseColumn(t, line))
			}
		}
		return nil
	})
	require.NoError(t, err)
	return out
}

// parseColumn reads one column of a CREATE TABLE as SQL Server would describe it.
func parseColumn(t *testing.T, line string) passthrough.Column {
	t.Helper()
	m := columnLine.FindStringSubmatch(line)
	require.NotNil(t, m, line)
	info := sqlstore.ColumnInfo{Name: m[1], DataType: m[2], Nullable: map[bool]string{true: "YES", false: "NO"}[m[5] == "NULL"]}
	n, _ := strconv.Atoi(m[3])
	switch {
	case m[3] == "max":
		info.MaxLength = sql.NullInt64{Int64: -1, Valid: true}
	case m[2] == "decimal" || m[2] == "numeric":
		scale, _ := strconv.Atoi(m[4])
		info.Precision, info.Scale = sql.NullInt64{Int64: int64(n), Valid: true}, sql.NullInt64{Int64: int64(scale), Valid: true}
	case strings.HasSuffix(m[2], "char"):
		info.MaxLength = sql.NullInt64{Int64: int64(n), Valid: true}
	}
	return Dialect{}.Column(info)
}

var createdRow = regexp.MustCompile(`\(N'(\w+)', (\d+), N'(\w+)', N'([\w(),]+)', ([01])\)`)

// TestTheWideningMigrationKnowsTheTablesMigrationOneCreates checks the @created list of
// migration 5 — what a table passthrough created looks like, column by column — against
// the columns migration 1 creates: were they to differ, no table would be widened.
func TestTheWideningMigrationKnowsTheTablesMigrationOneCreates(t *testing.T) {
	t.Parallel()
	src, err := fs.ReadFile(Migrations(), "00005_wider_staging_columns.sql")
	require.NoError(t, err)
	listed := map[string][]string{}
	for _, m := range createdRow.FindAllStringSubmatch(string(src), -1) {
		listed[m[1]] = append(listed[m[1]], fmt.Sprintf("%s %s %s %s", m[2], m[3], m[4], m[5]))
	}
	first, err := fs.ReadFile(Migrations(), "00001_staging_tables.sql")
	require.NoError(t, err)
	want := map[string][]string{}
	for _, m := range regexp.MustCompile(`(?s)CREATE TABLE \$\{schema\}\.(\w+) \((.*?)\n\);`).FindAllStringSubmatch(string(first), -1) {
		pos := 0
		for _, line := range strings.Split(m[2], "\n") {
			c := regexp.MustCompile(`^\s+(\w+)\s+(\w+(?:\(\d+(?:,\d+)?\))?)\s+(NOT NULL|NULL)\b`).FindStringSubmatch(line)
			if c == nil {
				continue
			}
			pos++
			nullable := map[bool]string{true: "1", false: "0"}[c[3] == "NULL"]
			want[m[1]] = append(want[m[1]], fmt.Sprintf("%d %s %s %s", pos, c[1], c[2], nullable))
		}
	}
	require.Len(t, want, 4)
	require.Equal(t, want, listed)
}

func TestMigrationsCreateTheDocumentedStagingTables(t *testing.T) {
	t.Parallel()
	tables := migratedTables(t)
	for name, want := range erptest.DefaultTables {
		require.Contains(t, tables, name)
		require.Equal(t, want, erptest.Shape(tables[name].Columns), name)
	}
	for _, name := range erptest.PassthroughTables {
		require.Contains(t, tables, name)
	}
}

func TestColumnsFollowSQLServerTypes(t *testing.T) {
	t.Parallel()
	n := func(v int64) sql.NullInt64 { return sql.NullInt64{Int64: v, Valid: true} }
	for _, tc := range []struct {
		info sqlstore.ColumnInfo
		want passthrough.Column
	}{
		{sqlstore.ColumnInfo{DataType: "nvarchar", MaxLength: n(50), Collation: sql.NullString{String: "Latin1_General_CI_AS", Valid: true}, IgnoreCase: true},
			passthrough.Column{Kind: passthrough.KindText, MaxLength: 50, Collation: "Latin1_General_CI_AS", IgnoreCase: true}},
		{sqlstore.ColumnInfo{DataType: "varchar", MaxLength: n(-1), CodePage: n(1252)},
			passthrough.Column{Kind: passthrough.KindText, CodePage: 1252}},
		{sqlstore.ColumnInfo{DataType: "char", MaxLength: n(1), CodePage: n(65001)},
			passthrough.Column{Kind: passthrough.KindText, MaxLength: 1, CodePage: 65001}},
		{sqlstore.ColumnInfo{DataType: "bigint", Precision: n(19)}, passthrough.Column{Kind: passthrough.KindInteger, Min: math.MinInt64, Max: math.MaxInt64}},
		{sqlstore.ColumnInfo{DataType: "int", Precision: n(10)}, passthrough.Column{Kind: passthrough.KindInteger, Min: math.MinInt32, Max: math.MaxInt32}},
		{sqlstore.ColumnInfo{DataType: "smallint"}, passthrough.Column{Kind: passthrough.KindInteger, Min: math.MinInt16, Max: math.MaxInt16}},
		{sqlstore.ColumnInfo{DataType: "tinyint"}, passthrough.Column{Kind: passthrough.KindInteger, Min: 0, Max: 255}},
		{sqlstore.ColumnInfo{DataType: "int", Generated: true}, passthrough.Column{Kind: passthrough.KindInteger, Min: math.MinInt32, Max: math.MaxInt32, Generated: true}},
		{sqlstore.ColumnInfo{DataType: "decimal", Precision: n(12), Scale: n(2)}, passthrough.Column{Kind: passthrough.KindDecimal, Precision: 12, Scale: 2}},
		{sqlstore.ColumnInfo{DataType: "money", Precision: n(19), Scale: n(4)}, passthrough.Column{Kind: passthrough.KindDecimal, Scale: 4, Min: math.MinInt64, Max: math.MaxInt64}},
		{sqlstore.ColumnInfo{DataType: "smallmoney"}, passthrough.Column{Kind: passthrough.KindDecimal, Scale: 4, Min: math.MinInt32, Max: math.MaxInt32}},
		{sqlstore.ColumnInfo{DataType: "float", Precision: n(53)}, passthrough.Column{Kind: passthrough.KindDecimal}},
		{sqlstore.ColumnInfo{DataType: "datetime2"}, passthrough.Column{Kind: passthrough.KindTime}},
		{sqlstore.ColumnInfo{DataType: "datetime"}, passthrough.Column{Kind: passthrough.KindTime}},
		{sqlstore.ColumnInfo{DataType: "date"}, passthrough.Column{Kind: passthrough.KindTime}},
		{sqlstore.ColumnInfo{DataType: "datetimeoffset"}, passthrough.Column{Kind: passthrough.KindTime}},
		{sqlstore.ColumnInfo{DataType: "bit"}, passthrough.Column{Kind: passthrough.KindBool}},
		{sqlstore.ColumnInfo{DataType: "timestamp", Generated: true}, passthrough.Column{Kind: passthrough.KindOther, Generated: true}},
		{sqlstore.ColumnInfo{DataType: "uniqueidentifier"}, passthrough.Column{Kind: passthrough.KindOther}},
	} {
		tc.info.Name, tc.info.Nullable = "c", "YES"
		tc.want.Name, tc.want.DataType, tc.want.Nullable = "c", tc.info.DataType, true
		require.Equal(t, tc.want, Dialect{}.Column(tc.info), tc.info.DataType)
	}
}

func TestTextLengthCountsAsTheColumnDoes(t *testing.T) {
	t.Parallel()
	nvarchar := passthrough.Column{DataType: "nvarchar"}
	latin1 := passthrough.Column{DataType: "varchar", CodePage: 1252}
	utf8 := passthrough.Column{DataType: "varchar", CodePage: 65001}
	shiftJIS := passthrough.Column{DataType: "char", CodePage: 932}
	length := func(c passthrough.Column, s string) int {
		n, err := Dialect{}.TextLength(c, s)
		require.NoError(t, err)
		return n
	}
	require.Equal(t, 2, length(nvarchar, "👍"), "an emoji is two UTF-16 code units")
	require.Equal(t, 3, length(nvarchar, "Øl!"))
	require.Equal(t, 3, length(latin1, "Øl!"), "one byte a character in code page 1252")
	require.Equal(t, 4, length(utf8, "Øl!"), "varchar(n) counts bytes under a UTF-8 collation")
	require.Equal(t, 4, length(shiftJIS, "東京"), "two bytes a character in Shift-JIS")
	require.Equal(t, 10, length(passthrough.Column{DataType: "varchar"}, "Main Store"), "ASCII is one byte in every code page")

	_, err := Dialect{}.TextLength(latin1, "Łódź 東京")
	require.EqualError(t, err, `the column's code page 1252 has no 'Ł'; the column would need to be nvarchar`)
	_, err = Dialect{}.TextLength(nvarchar, "Łódź 東京")
	require.NoError(t, err)
}

func TestQuoteDoublesTheClosingBracket(t *testing.T) {
	t.Parallel()
	require.Equal(t, "[s_orders]", Dialect{}.Quote("s_orders"))
	require.Equal(t, "[a]]; DROP TABLE x; --]", Dialect{}.Quote("a]; DROP TABLE x; --"))
	require.Equal(t, `[we"ird [col]`, Dialect{}.Quote(`we"ird [col`))
}

// TestMigrationsNameEveryTableInTheStoresSchema renders each migration for a store working
// in schema erp: every table it creates, changes, fills or looks up must be in that schema
// (written ${schema}.name in the file), or SQL Server would put it in the login's default
// schema. For the default schema the names stay as they are.
func TestMigrationsNameEveryTableInTheStoresSchema(t *testing.T) {
	t.Parallel()
	ref := regexp.MustCompile(`(?i)(?:\b(?:CREATE TABLE|ALTER TABLE|DROP TABLE|INSERT INTO|UPDATE|DELETE FROM|REFERENCES|ON)\s+|OBJECT_ID\(N')([\w\[\]${}.]+)`)
	names, err := fs.Glob(Migrations(), "*.sql")
	require.NoError(t, err)
	require.NotEmpty(t, names)
	for _, name := range names {
		src, err := fs.ReadFile(Migrations(), name)
		require.NoError(t, err)
		in := inSchema(string(src), "[erp].")
		require.NotContains(t, in, "${schema}", name)
		for _, line := range strings.Split(in, "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "--") {
				continue
			}
			for _, m := range ref.FindAllStringSubmatch(line, -1) {
				switch {
				case strings.HasPrefix(m[1], "@"), m[1] == "DELETE", m[1] == "sys.columns", strings.HasPrefix(m[1], "c."):
					continue // a table variable, ON DELETE CASCADE, a catalog view, a join condition
				}
				require.True(t, strings.HasPrefix(m[1], "[erp]."), "%s names %s outside the store's schema:\n%s", name, m[1], line)
			}
		}
		require.NotContains(t, inSchema(string(src), ""), "${schema}", name)
	}
}
