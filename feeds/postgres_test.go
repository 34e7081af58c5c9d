package feeds_test

import (
	"database/sql"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/erp/erppostgres"
	"github.com/passthrough-dev/passthrough/adapters/erp/erptest"
)

// postgresStore gives a test a migrated store on a schema of its own on the test server,
// and a plain connection to it for checking what landed.
func postgresStore(t *testing.T) (erp.Store, *sql.DB) {
	t.Helper()
	dsn := erptest.PostgresDSN(t)
	s, err := erppostgres.Open(t.Context(), dsn)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	_, err = s.Migrate(t.Context())
	require.NoError(t, err)
	db, err := sql.Open("pgx", dsn)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	return s, db
}
