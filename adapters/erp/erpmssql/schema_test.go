package erpmssql

import (
	"database/sql"
	"io/fs"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp/erptest"
	"github.com/passthrough-dev/passthrough/adapters/erp/internal/sqlstore"
)

var (
	createTable = regexp.MustCompile(`(?m)^CREATE TABLE (\w+) \($`)
	addColumn   = regexp.MustCompile(`^ALTER TABLE (\w+) ADD (\w+ \w+(?:\([^)]*\))? (?:NOT NULL|NULL))`)
	columnLine  = regexp.MustCompile(`^\s+(\w+)\s+(\w+)(?:\((max|\d+)(?:,\d+)?\))?(?: COLLATE \w+)?\s+(NOT NULL|NULL)\b`)
)

// migratedTables reads the tables the migrations create, column by column, as SQL Server
// would describe them: no server runs here, so the T-SQL itself is checked.
func migratedTables(t *testing.T) map[string]*sqlstore.Table {
	t.Helper()
	out := map[string]*sqlstore.Table{}
	err := fs.WalkDir(Migrations(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		src, err := fs.ReadFile(Migrations(), path)
		if err != nil {
			return err
		}
		var table string
		var cols []passthrough.Column
		for _, line := range strings.Split(string(src), "\n") {
			if m := addColumn.FindStringSubmatch(line); m != nil && out[m[1]] != nil {
				c := columnLine.FindStringSubmatch("    " + m[2])
				require.NotNil(t, c, line)
				out[m[1]] = sqlstore.NewTable(m[1], append(out[m[1]].Columns, Dialect{}.Column(c[1], c[2], sql.NullInt64{}, c[4] == "NULL")))
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
			m := columnLine.FindStringSubmatch(line)
			if m == nil {
				continue // CONSTRAINT lines
			}
			var max sql.NullInt64
			switch m[3] {
			case "":
			case "max":
				max = sql.NullInt64{Int64: -1, Valid: true}
			default:
				n, err := strconv.Atoi(m[3])
				require.NoError(t, err)
				max = sql.NullInt64{Int64: int64(n), Valid: true}
			}
			cols = append(cols, Dialect{}.Column(m[1], m[2], max, m[4] == "NULL"))
		}
		return nil
	})
	require.NoError(t, err)
	return out
}

func TestMigrationsCreateTheDocumentedStagingTables(t *testing.T) {
	t.Parallel()
	tables := migratedTables(t)
	for name, want := range erptest.DefaultTables {
		require.Contains(t, tables, name)
		got := tables[name].Columns
		for i := range got {
			got[i].DataType = ""
		}
		require.Equal(t, want, got, name)
	}
	for _, name := range erptest.PassthroughTables {
		require.Contains(t, tables, name)
	}
}

func TestColumnKindsFollowSQLServerTypes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		typ  string
		max  sql.NullInt64
		kind passthrough.ColumnKind
		n    int
	}{
		{"nvarchar", sql.NullInt64{Int64: 50, Valid: true}, passthrough.KindText, 50},
		{"varchar", sql.NullInt64{Int64: -1, Valid: true}, passthrough.KindText, 0},
		{"char", sql.NullInt64{Int64: 1, Valid: true}, passthrough.KindText, 1},
		{"bigint", sql.NullInt64{}, passthrough.KindInteger, 0},
		{"tinyint", sql.NullInt64{}, passthrough.KindInteger, 0},
		{"decimal", sql.NullInt64{}, passthrough.KindDecimal, 0},
		{"money", sql.NullInt64{}, passthrough.KindDecimal, 0},
		{"datetime2", sql.NullInt64{}, passthrough.KindTime, 0},
		{"datetimeoffset", sql.NullInt64{}, passthrough.KindTime, 0},
		{"bit", sql.NullInt64{}, passthrough.KindBool, 0},
		{"uniqueidentifier", sql.NullInt64{}, passthrough.KindOther, 0},
	} {
		c := Dialect{}.Column("c", tc.typ, tc.max, true)
		require.Equal(t, tc.kind, c.Kind, tc.typ)
		require.Equal(t, tc.n, c.MaxLength, tc.typ)
	}
}

func TestTextLengthCountsAsTheColumnDoes(t *testing.T) {
	t.Parallel()
	nvarchar := passthrough.Column{DataType: "nvarchar"}
	varchar := passthrough.Column{DataType: "varchar"}
	require.Equal(t, 2, Dialect{}.TextLength(nvarchar, "👍"), "an emoji is two UTF-16 code units")
	require.Equal(t, 3, Dialect{}.TextLength(nvarchar, "Øl!"))
	require.Equal(t, 3, Dialect{}.TextLength(varchar, "Øl!"))
}

func TestQuoteDoublesTheClosingBracket(t *testing.T) {
	t.Parallel()
	require.Equal(t, "[s_orders]", Dialect{}.Quote("s_orders"))
	require.Equal(t, "[a]]; DROP TABLE x; --]", Dialect{}.Quote("a]; DROP TABLE x; --"))
	require.Equal(t, `[we"ird [col]`, Dialect{}.Quote(`we"ird [col`))
}
