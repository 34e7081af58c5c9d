package erptest

import (
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
)

// StageBenchmark stages 10,000 generated orders of 3 lines through OrderStage and inserts
// the same rows raw, side by side in one run, and reports both speeds and their ratio.
//
// The raw baseline is like for like: the same header and line columns into the same tables
// of the same database, with plain INSERTs prepared once and one transaction per order. What
// OrderStage does beyond it — the import-status check, the upsert, replacing the lines, the
// ledger entry with the order's payload and its event — is the price being measured. The
// two alternate in rounds of 500 orders so a noisy machine slows both alike.
func StageBenchmark(b *testing.B, open Opener) {
	const orders, lines, round = 10000, 3, 500
	s := open(b)
	bd := newBundle(b, s)
	_, err := s.Migrate(bd.ctx)
	require.NoError(b, err)

	sample := Order("raw", 1, lines)
	headerSQL := rawInsert(b, bd, "s_orders", sample.HeaderRow.Columns)
	lineSQL := rawInsert(b, bd, "s_order_details", sample.LineRows[0].Columns)
	headerStmt, err := s.DB().PrepareContext(bd.ctx, headerSQL)
	require.NoError(b, err)
	defer headerStmt.Close()
	lineStmt, err := s.DB().PrepareContext(bd.ctx, lineSQL)
	require.NoError(b, err)
	defer lineStmt.Close()

	var staged, raw time.Duration
	var done int
	next := int64(1)
	for b.Loop() {
		for start := 0; start < orders; start += round {
			batch := make([]erp.OrderStageParams, round)
			for i := range batch {
				batch[i] = Order("stage", next+int64(i), lines)
			}
			t0 := time.Now()
			for _, p := range batch {
				require.NoError(b, s.OrderStage(bd.ctx, p))
			}
			staged += time.Since(t0)

			t0 = time.Now()
			for _, p := range batch {
				require.NoError(b, insertRaw(bd, headerStmt, lineStmt, p))
			}
			raw += time.Since(t0)
			next += round
		}
		done += orders
	}
	stagedRate := float64(done) / staged.Seconds()
	rawRate := float64(done) / raw.Seconds()
	b.ReportMetric(stagedRate, "staged_orders/s")
	b.ReportMetric(rawRate, "raw_orders/s")
	b.ReportMetric(100*stagedRate/rawRate, "staged/raw_%")
}

func rawInsert(t testing.TB, b *bundle, table string, cols []string) string {
	ph := make([]string, len(cols))
	for i := range cols {
		ph[i] = b.ph(t, i+1)
	}
	return "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES (" + strings.Join(ph, ", ") + ")"
}

// insertRaw writes the order's rows under the shop "raw", in one transaction.
func insertRaw(b *bundle, header, line *sql.Stmt, p erp.OrderStageParams) error {
	tx, err := b.store.DB().BeginTx(b.ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }() // after Commit it does nothing
	if _, err := tx.StmtContext(b.ctx, header).ExecContext(b.ctx, b.rawArgs(p.HeaderRow)...); err != nil {
		return err
	}
	ls := tx.StmtContext(b.ctx, line)
	for _, r := range p.LineRows {
		if _, err := ls.ExecContext(b.ctx, b.rawArgs(r)...); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func (b *bundle) rawArgs(r passthrough.Row) []any {
	out := make([]any, len(r.Values))
	for i, v := range r.Values {
		switch x := v.(type) {
		case time.Time:
			out[i] = b.timeArg(x)
		case string:
			if r.Columns[i] == "shop" {
				x = "raw"
			}
			out[i] = x
		default:
			out[i] = v
		}
	}
	return out
}
