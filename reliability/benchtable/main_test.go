package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTheTableShowsEachBenchmarksFigures(t *testing.T) {
	t.Parallel()
	in := `pkg: github.com/passthrough-dev/passthrough/reliability
BenchmarkOrderLatency/webhooks/sqlite-2   	       1	20062154785 ns/op	         0.04520 max-s	      1000 orders	         0.002036 p50-s	         0.02119 p99-s
BenchmarkWebhookReceiver/postgres-2       	       1	1756209546 ns/op	      1139 accepted-deliveries/s	         0 orders-staged-again-by-1000-duplicates
PASS
`
	var passed bytes.Buffer
	figures, failed, err := read(strings.NewReader(in), &passed)
	require.NoError(t, err)
	require.False(t, failed)
	require.Equal(t, in, passed.String(), "the output passes through as it came")
	var table bytes.Buffer
	write(&table, figures)
	require.Equal(t, `PACKAGE      BENCHMARK                     FIGURES
reliability  OrderLatency/webhooks/sqlite  20.1s/op  max 45.2ms  1000 orders  p50 2.04ms  p99 21.2ms
reliability  WebhookReceiver/postgres      1.76s/op  1139 accepted-deliveries/s  0 orders-staged-again-by-1000-duplicates
`, table.String())
}

func TestAFailedBenchmarkFailsTheTable(t *testing.T) {
	t.Parallel()
	_, failed, err := read(strings.NewReader("--- FAIL: BenchmarkOrderLatency/sqlite\nFAIL\n"), &bytes.Buffer{})
	require.NoError(t, err)
	require.True(t, failed)
}
