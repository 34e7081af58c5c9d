package feeds_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/erp/erppostgres"
)

// postgresStore gives a test a schema of its own on the test server.
func postgresStore(t *testing.T) (erp.Store, *sql.DB) {
	t.Helper()
	dsn := os.Getenv("PASSTHROUGH_TEST_PG_DSN")
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("PASSTHROUGH_TEST_PG_DSN is not set: under CI the PostgreSQL tests must run")
		}
		t.Skip("PASSTHROUGH_TEST_PG_DSN is not set; make test starts a throw-away PostgreSQL")
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "pt_feed_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", dsn)
	require.NoError(t, err)
	_, err = admin.ExecContext(t.Context(), "CREATE SCHEMA "+schema)
	require.NoError(t, err)
	t.Cleanup(func() {
		_, _ = admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		admin.Close()
	})
	u, err := url.Parse(dsn)
	require.NoError(t, err)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	s, err := erppostgres.Open(t.Context(), u.String())
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	_, err = s.Migrate(t.Context())
	require.NoError(t, err)
	db, err := sql.Open("pgx", u.String())
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	return s, db
}
