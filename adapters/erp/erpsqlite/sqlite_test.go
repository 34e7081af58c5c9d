package erpsqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/erp/erpsqlite"
	"github.com/passthrough-dev/passthrough/adapters/erp/erptest"
)

// open opens a fresh database file in the test's temporary folder.
func open(t testing.TB, opts ...erp.Option) erptest.Store {
	s, err := erpsqlite.Open(t.Context(), "file:"+filepath.Join(t.TempDir(), "erp.db"), opts...)
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
