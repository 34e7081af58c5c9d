package app_test

import (
	"bytes"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/erp/erptest"
	"github.com/passthrough-dev/passthrough/app"
	"github.com/passthrough-dev/passthrough/config"
)

// TestMigrateAndMappingCheckWorkInTheConfiguredSchema points erp.schema at a schema of its
// own on PostgreSQL: migrate creates every table there, and the shipped mappings check
// against them there.
func TestMigrateAndMappingCheckWorkInTheConfiguredSchema(t *testing.T) {
	t.Parallel()
	dsn, schema := erptest.PostgresSchema(t)
	db := config.ERP{Driver: "postgres", DSN: config.Secret(dsn), Schema: schema}
	var out bytes.Buffer
	require.NoError(t, app.Migrate(t.Context(), &out, db))
	require.Contains(t, out.String(), "applied 00001_staging_tables.sql")

	conn, err := sql.Open("pgx", dsn)
	require.NoError(t, err)
	defer conn.Close()
	var n int
	require.NoError(t, conn.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = $1 AND table_name IN ($2, $3, $4)",
		schema, "s_orders", "pt_order_ledger", "pt_goose_db_version").Scan(&n))
	require.Equal(t, 3, n, "the staging, pt_ and version tables are in %s", schema)

	out.Reset()
	require.NoError(t, app.CheckMappings(t.Context(), &out, app.MappingCheck{Dir: filepath.Join("..", "mappings"), ERP: &db}))
	require.True(t, strings.HasSuffix(out.String(), "ok\n"), out.String())
}
