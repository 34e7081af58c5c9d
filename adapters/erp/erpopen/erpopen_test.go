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
	"github.com/passthrough-dev/passthrough/adapters/erp/internal/sqlstore"
)

func TestOpenPicksTheDialectOfTheDriverName(t *testing.T) {
	t.Parallel()
	s, err := erpopen.Open(t.Context(), "sqlite", "file:"+filepath.Join(t.TempDir(), "erp.db"))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	require.Equal(t, erp.DialectSQLite, s.Dialect())
	res, err := s.Migrate(t.Context())
	require.NoError(t, err)
	all := versions(t, erpsqlite.Dialect{}.Migrations(""))
	require.EqualValues(t, all[len(all)-1], res.Version, "the newest migration")
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

// versions lists the migration version numbers of one dialect: its .sql files and its
// migrations written in Go.
func versions(t *testing.T, m sqlstore.Migrations) []int {
	t.Helper()
	names, err := fs.Glob(m.FS, "*.sql")
	require.NoError(t, err)
	var out []int
	for _, n := range names {
		num, _, ok := strings.Cut(n, "_")
		require.True(t, ok, n)
		v, err := strconv.Atoi(num)
		require.NoError(t, err, n)
		out = append(out, v)
	}
	for _, g := range m.Go {
		out = append(out, int(g.Version))
	}
	slices.Sort(out)
	return out
}

func TestEveryDialectHasTheSameMigrationVersions(t *testing.T) {
	t.Parallel()
	sqlite := versions(t, erpsqlite.Dialect{}.Migrations(""))
	require.NotEmpty(t, sqlite)
	require.Equal(t, sqlite, versions(t, erppostgres.Dialect{}.Migrations("")), "postgres")
	require.Equal(t, sqlite, versions(t, erpmssql.Dialect{}.Migrations("")), "sqlserver")
	// Versions count up from 1, each once; one may be skipped while the work that reserved
	// it is on its way (adapters/erp/README.md).
	require.Equal(t, 1, sqlite[0])
	for i := 1; i < len(sqlite); i++ {
		require.Greater(t, sqlite[i], sqlite[i-1], "versions count up, each once")
	}
}
