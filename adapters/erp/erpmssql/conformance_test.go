package erpmssql_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"

	_ "github.com/microsoft/go-mssqldb" // registers the "sqlserver" driver for the admin handle
	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/erp/erpmssql"
	"github.com/passthrough-dev/passthrough/adapters/erp/erptest"
)

// serverDSN is a SQL Server login allowed to create databases, from
// PASSTHROUGH_TEST_MSSQL_DSN. None can run where the other tests do, so without it the
// conformance suite skips (under CI too); the golden and mock tests still run.
func serverDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv("PASSTHROUGH_TEST_MSSQL_DSN")
	if dsn == "" {
		t.Skip("PASSTHROUGH_TEST_MSSQL_DSN is not set; see adapters/erp/README.md to run this against a SQL Server")
	}
	return dsn
}

// open gives each test a database of its own, dropped when the test ends.
func open(t testing.TB, opts ...erp.Option) erptest.Store {
	t.Helper()
	dsn := serverDSN(t)
	admin, err := sql.Open("sqlserver", dsn)
	require.NoError(t, err)
	name := "pt_test_" + randomHex(t)
	_, err = admin.ExecContext(t.Context(), "CREATE DATABASE ["+name+"]")
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx := context.Background()
		_, err := admin.ExecContext(ctx, "ALTER DATABASE ["+name+"] SET SINGLE_USER WITH ROLLBACK IMMEDIATE; DROP DATABASE ["+name+"];")
		require.NoError(t, err)
		require.NoError(t, admin.Close())
	})
	s, err := erpmssql.Open(t.Context(), withDatabase(t, dsn, name), opts...)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

func randomHex(t testing.TB) string {
	b := make([]byte, 6)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return hex.EncodeToString(b)
}

// withDatabase points the DSN at database name, in URL or key=value form.
func withDatabase(t testing.TB, dsn, name string) string {
	if !strings.HasPrefix(dsn, "sqlserver://") {
		return strings.TrimSuffix(dsn, ";") + ";database=" + name
	}
	u, err := url.Parse(dsn)
	require.NoError(t, err)
	q := u.Query()
	q.Set("database", name)
	u.RawQuery = q.Encode()
	return u.String()
}

func TestConformance(t *testing.T) {
	t.Parallel()
	serverDSN(t)
	erptest.Run(t, open)
}

func BenchmarkOrderStage(b *testing.B) {
	serverDSN(b)
	erptest.StageBenchmark(b, open)
}

func BenchmarkLockAcquireRelease(b *testing.B) {
	serverDSN(b)
	erptest.LockBenchmark(b, open)
}
