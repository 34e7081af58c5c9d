package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/erp/erpsqlite"
)

func TestMigrateCreatesTheTablesOnceAndSaysWhatItDid(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "passthrough.yaml")
	db := filepath.Join(dir, "erp.db")
	require.NoError(t, os.WriteFile(cfg, []byte("erp:\n  driver: sqlite\n  dsn: file:"+db+"\n"), 0o600))

	// Every migration the dialect has, .sql files and those written in Go, in order, and
	// the newest one's version.
	m := erpsqlite.Dialect{}.Migrations("")
	names, err := fs.Glob(m.FS, "*.sql")
	require.NoError(t, err)
	for _, g := range m.Go {
		names = append(names, g.Source)
	}
	slices.Sort(names)
	require.Equal(t, "00001_staging_tables.sql", names[0])
	var want strings.Builder
	for _, n := range names {
		want.WriteString("applied " + n + "\n")
	}
	newest, _, _ := strings.Cut(names[len(names)-1], "_")
	version, err := strconv.Atoi(newest)
	require.NoError(t, err)
	fmt.Fprintf(&want, "the sqlite database is now at schema version %d\n", version)

	var out, errOut bytes.Buffer
	require.Equal(t, exitOK, dispatch(t.Context(), []string{"migrate", "--config", cfg}, &out, &errOut), errOut.String())
	require.Equal(t, want.String(), out.String())

	out.Reset()
	require.Equal(t, exitOK, dispatch(t.Context(), []string{"migrate", "--config", cfg}, &out, &errOut), errOut.String())
	require.Equal(t, fmt.Sprintf("the sqlite database is up to date (schema version %d)\n", version), out.String())
}

func TestMigrateRefusesBadUsage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	badDriver := filepath.Join(dir, "bad.yaml")
	require.NoError(t, os.WriteFile(badDriver, []byte("erp:\n  driver: oracle\n  dsn: x\n"), 0o600))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"migrate"}, "passthrough migrate: migrate needs --config FILE\n"},
		{[]string{"migrate", "--config", badDriver, "extra"}, "passthrough migrate: migrate takes no arguments, got [\"extra\"]\n"},
		{[]string{"migrate", "--config", badDriver}, "passthrough migrate: " + badDriver + ": erp.driver: \"oracle\" is not one of sqlite, postgres, sqlserver\n"},
	} {
		var out, errOut bytes.Buffer
		require.Equal(t, exitUsage, dispatch(t.Context(), tc.args, &out, &errOut), tc.args)
		require.Equal(t, tc.want, errOut.String())
		require.Empty(t, out.String())
	}
}

func TestMigrateFailsWhenTheDatabaseCannotBeOpened(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "passthrough.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte("erp:\n  driver: sqlite\n  dsn: file:"+filepath.Join(dir, "missing", "erp.db")+"\n"), 0o600))
	var out, errOut bytes.Buffer
	require.Equal(t, exitFailed, dispatch(t.Context(), []string{"migrate", "--config", cfg}, &out, &errOut))
	require.Contains(t, errOut.String(), "passthrough migrate: open the sqlite database: open sqlite:")
}
