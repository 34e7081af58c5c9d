package erptest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver for the admin connection
	"github.com/stretchr/testify/require"
)

// PostgresServer is the test server's DSN, PASSTHROUGH_TEST_PG_DSN. Without it the test
// skips, except under CI=true, where a missing server fails it.
func PostgresServer(t testing.TB) string {
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

// PostgresDSN gives the calling test a schema of its own on the test server named by
// PASSTHROUGH_TEST_PG_DSN (make test starts one), dropped when the test ends, and returns a
// DSN whose connections use it, so tests run in parallel and leave nothing behind. Without
// the variable the test skips, except under CI=true, where a missing server fails it: the
// PostgreSQL tests must run there.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	dsn, schema := PostgresSchema(t)
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

// PostgresSchema creates a schema for the calling test on the test server, dropped with
// everything in it when the test ends, and returns the server's DSN and the schema's name,
// for a store opened with erp.WithSchema.
func PostgresSchema(t testing.TB) (dsn, schema string) {
	t.Helper()
	dsn = PostgresServer(t)
	admin, err := sql.Open("pgx", dsn)
	require.NoError(t, err)
	suffix := make([]byte, 6)
	_, err = rand.Read(suffix)
	require.NoError(t, err)
	schema = "pt_test_" + hex.EncodeToString(suffix)
	_, err = admin.ExecContext(context.Background(), "CREATE SCHEMA "+schema)
	require.NoError(t, err)
	t.Cleanup(func() {
		_, err := admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		require.NoError(t, err)
		require.NoError(t, admin.Close())
	})
	return dsn, schema
}
