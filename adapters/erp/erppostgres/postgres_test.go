package erppostgres_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/erp/erppostgres"
	"github.com/passthrough-dev/passthrough/adapters/erp/erptest"
)

// open gives each test a store working in a schema of its own (erp.WithSchema, as
// config's erp.schema does).
func open(t testing.TB, opts ...erp.Option) erptest.Store {
	t.Helper()
	dsn, schema := erptest.PostgresSchema(t)
	s, err := erppostgres.Open(t.Context(), dsn, append(opts, erp.WithSchema(schema))...)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

func TestConformance(t *testing.T) {
	t.Parallel()
	erptest.Run(t, open)
}

func BenchmarkOrderStage(b *testing.B) {
	erptest.StageBenchmark(b, open)
}

func BenchmarkLockAcquireRelease(b *testing.B) {
	erptest.LockBenchmark(b, open)
}

// BenchmarkOrderStageCustomerTables stages into tables shaped as SQL Server ERPs have them.
func BenchmarkOrderStageCustomerTables(b *testing.B) {
	erptest.CustomerStageBenchmark(b, open)
}
