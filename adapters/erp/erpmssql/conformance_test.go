package erpmssql_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"testing"

	_ "github.com/microsoft/go-mssqldb" // registers the "sqlserver" driver for the admin handle
	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/erp/erpmssql"
	"github.com/passthrough-dev/passthrough/adapters/erp/erptest"
)

// serverDSN is a SQL Server login from PASSTHROUGH_TEST_MSSQL_DSN, whose DSN names the one
// database the tests may use (adapters/erp/README.md lists the grants it needs). None can
// run where the other tests do, so without it the server tests skip (under CI too); the
// golden and mock tests still run.
func serverDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv("PASSTHROUGH_TEST_MSSQL_DSN")
	if dsn == "" {
		t.Skip("PASSTHROUGH_TEST_MSSQL_DSN is not set; see adapters/erp/README.md to run this against a SQL Server")
	}
	return dsn
}

// testSchema creates a schema of the test's own in the DSN's database and drops it, with
// everything the test made in it, when the test ends: the tests need no permission beyond
// that database, and run side by side.
func testSchema(t testing.TB, dsn string) string {
	t.Helper()
	admin, err := sql.Open("sqlserver", dsn)
	require.NoError(t, err)
	b := make([]byte, 6)
	_, err = rand.Read(b)
	require.NoError(t, err)
	schema := "pt_test_" + hex.EncodeToString(b)
	_, err = admin.ExecContext(t.Context(), "CREATE SCHEMA ["+schema+"]")
	require.NoError(t, err)
	t.Cleanup(func() {
		_, err := admin.ExecContext(context.Background(), dropSchema, schema)
		require.NoError(t, err)
		require.NoError(t, admin.Close())
	})
	return schema
}

// dropSchema drops schema @p1 and what is in it: foreign keys first, then views, tables
// (their triggers, indexes and constraints go with them), routines and sequences.
const dropSchema = `
DECLARE @sql nvarchar(max);
SELECT @sql = STRING_AGG(CAST(N'ALTER TABLE ' + QUOTENAME(s.name) + N'.' + QUOTENAME(t.name) + N' DROP CONSTRAINT ' + QUOTENAME(f.name) AS nvarchar(max)), N'; ')
FROM sys.foreign_keys f JOIN sys.tables t ON t.object_id = f.parent_object_id JOIN sys.schemas s ON s.schema_id = t.schema_id
WHERE s.name = @p1;
IF @sql IS NOT NULL EXEC sp_executesql @sql;
SELECT @sql = STRING_AGG(CAST(N'DROP ' + CASE o.type WHEN 'V' THEN N'VIEW' WHEN 'U' THEN N'TABLE' WHEN 'P' THEN N'PROCEDURE'
        WHEN 'SO' THEN N'SEQUENCE' ELSE N'FUNCTION' END + N' ' + QUOTENAME(s.name) + N'.' + QUOTENAME(o.name) AS nvarchar(max)), N'; ')
    WITHIN GROUP (ORDER BY CASE o.type WHEN 'V' THEN 0 WHEN 'U' THEN 1 ELSE 2 END)
FROM sys.objects o JOIN sys.schemas s ON s.schema_id = o.schema_id
WHERE s.name = @p1 AND o.type IN ('V', 'U', 'P', 'SO', 'FN', 'IF', 'TF');
IF @sql IS NOT NULL EXEC sp_executesql @sql;
EXEC (N'DROP SCHEMA ' + QUOTENAME(@p1));`

// open gives each test a store working in a schema of its own.
func open(t testing.TB, opts ...erp.Option) erptest.Store {
	t.Helper()
	dsn := serverDSN(t)
	schema := testSchema(t, dsn)
	s, err := erpmssql.Open(t.Context(), dsn, append(opts, erp.WithSchema(schema))...)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
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

// BenchmarkOrderStageCustomerTables stages into tables shaped as ERPs bring them.
func BenchmarkOrderStageCustomerTables(b *testing.B) {
	serverDSN(b)
	erptest.CustomerStageBenchmark(b, open)
}
