package erpmssql

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/erp/erptest"
	"github.com/passthrough-dev/passthrough/adapters/erp/internal/sqlstore"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestStatementsMatchTheGoldenFiles keeps every T-SQL statement the dialect generates in
// testdata/*.golden, with its parameters and the Go types the driver gets, so a change to
// what reaches SQL Server shows in review. Run with -update to rewrite them.
func TestStatementsMatchTheGoldenFiles(t *testing.T) {
	order := erptest.Order("acme", 450789469, 3)
	samples, err := sqlstore.Catalog(Dialect{}, migratedTables(t), order.HeaderRow, order.LineRows)
	require.NoError(t, err)

	t.Run("every statement builder is in the catalog", func(t *testing.T) {
		var built []string
		for _, s := range samples {
			name, _, _ := strings.Cut(s.Name, "/")
			built = append(built, name)
		}
		typ := reflect.TypeFor[sqlstore.Statements]()
		for i := range typ.NumMethod() {
			require.Contains(t, built, typ.Method(i).Name, "add %s to sqlstore.Catalog", typ.Method(i).Name)
		}
	})

	var names []string
	for _, s := range samples {
		file := filepath.Join("testdata", strings.ReplaceAll(s.Name, "/", "_")+".golden")
		names = append(names, filepath.Base(file))
		got := render(s.Stmt)
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

func render(s sqlstore.Stmt) string {
	var b strings.Builder
	b.WriteString(s.SQL)
	b.WriteString("\n\n-- parameters\n")
	for i, a := range s.Args {
		fmt.Fprintf(&b, "-- @p%d %T %q\n", i+1, a, fmt.Sprint(a))
	}
	return b.String()
}
