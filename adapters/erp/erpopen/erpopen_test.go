package erpopen_test

import (
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/erp/erpmssql"
	"github.com/passthrough-dev/passthrough/adapters/erp/erpopen"
	"github.com/passthrough-dev/passthrough/adapters/erp/erppostgres"
	"github.com/passthrough-dev/passthrough/adapters/erp/erpsqlite"
)

func TestOpenPicksTheDialectOfTheDriverName(t *testing.T) {
	t.Parallel()
	s, err := erpopen.Open(t.Context(), "sqlite", "file:"+filepath.Join(t.TempDir(), "erp.db"))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	require.Equal(t, erp.DialectSQLite, s.Dialect())
	res, err := s.Migrate(t.Context())
	require.NoError(t, err)
	require.Equal(t, lastVersion(t, erpsqlite.Migrations()), res.Version)
}

func TestOpenRefusesAnUnknownDriver(t *testing.T) {
	t.Parallel()
	s, err := erpopen.Open(t.Context(), "oracle", "whatever")
	require.Nil(t, s)
	require.EqualError(t, err, `unknown ERP driver "oracle": use sqlite, postgres or sqlserver`)
}

func TestOpenReportsADatabaseItCannotReach(t *testing.T) {
	t.Parallel()
	_, err := erpopen.Open(t.Context(), "sqlserver", "sqlserver://user:secret@127.0.0.1:1?database=erp&dial+timeout=1")
	require.Error(t, err)
	require.NotContains(t, err.Error(), "secret", "the password stays out of errors")
	_, err = erpopen.Open(t.Context(), "postgres", "postgres://user:secret@127.0.0.1:1/erp?connect_timeout=1")
	require.Error(t, err)
	require.NotContains(t, err.Error(), "secret")
}

// versions lists the migration version numbers of one dialect.
func versions(t *testing.T, fsys fs.FS) []int {
	t.Helper()
	names, err := fs.Glob(fsys, "*.sql")
	require.NoError(t, err)
	var out []int
	for _, n := range names {
		num, _, ok := strings.Cut(n, "_")
		require.True(t, ok, n)
		v, err := strconv.Atoi(num)
		require.NoError(t, err, n)
		out = append(out, v)
	}
	slices.Sort(out)
	return out
}

func TestEveryDialectHasTheSameMigrationVersions(t *testing.T) {
	t.Parallel()
	sqlite := versions(t, erpsqlite.Migrations())
	require.NotEmpty(t, sqlite)
	require.Equal(t, sqlite, versions(t, erppostgres.Migrations()), "postgres")
	require.Equal(t, sqlite, versions(t, erpmssql.Migrations()), "sqlserver")
	require.Equal(t, 1, sqlite[0], "versions count up from 1")
	for i := 1; i < len(sqlite); i++ {
		// A gap is allowed: version numbers are handed out to work that lands one branch at
		// a time.
		require.Less(t, sqlite[i-1], sqlite[i], "each version once")
	}
}

// lastVersion is the highest migration version of one dialect.
func lastVersion(t *testing.T, fsys fs.FS) int64 {
	t.Helper()
	v := versions(t, fsys)
	require.NotEmpty(t, v)
	return int64(v[len(v)-1])
}
