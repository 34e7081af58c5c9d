package erppostgres_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/erp/erppostgres"
	"github.com/passthrough-dev/passthrough/adapters/erp/erptest"
)

// serverDSN is the test server from PASSTHROUGH_TEST_PG_DSN. Without it the tests skip,
// except under CI, where a missing server is a failure.
func serverDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv("PASSTHROUGH_TEST_PG_DSN")
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("PASSTHROUGH_TEST_PG_DSN is not set: under CI the PostgreSQL tests must run (make test starts a server)")
		}
		t.Skip("PASSTHROUGH_TEST_PG_DSN is not set; make test starts a throw-away PostgreSQL")
	}
	return dsn
}

// open gives each test a schema of its own, dropped when the test ends, so tests run in
// parallel and leave nothing behind.
func open(t testing.TB, opts ...erp.Option) erptest.Store {
	t.Helper()
	dsn := serverDSN(t)
	admin, err := sql.Open("pgx", dsn)
	require.NoError(t, err)
	schema := "pt_test_" + randomHex(t)
	_, err = admin.ExecContext(t.Context(), "CREATE SCHEMA "+schema)
	require.NoError(t, err)
	t.Cleanup(func() {
		_, err := admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		require.NoError(t, err)
		require.NoError(t, admin.Close())
	})
	s, err := erppostgres.Open(t.Context(), withSearchPath(t, dsn, schema), opts...)
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

// withSearchPath points the DSN's connections at schema.
func withSearchPath(t testing.TB, dsn, schema string) string {
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		return dsn + " search_path=" + schema
	}
	u, err := url.Parse(dsn)
	require.NoError(t, err)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func TestConformance(t *testing.T) {
	t.Parallel()
	erptest.Run(t, open)
}

func BenchmarkOrderStage(b *testing.B) {
	erptest.StageBenchmark(b, open)
}
