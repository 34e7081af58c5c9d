package erptest

import (
	"database/sql"
	"slices"
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
	stageBenchmark(b, open, nil, func(shop string, id int64) erp.OrderStageParams { return Order(shop, id, 3) })
}

// CustomerStageBenchmark is StageBenchmark into tables shaped as an ERP brings them (the
// customer tables of the conformance suite: VARCHAR keys under a case-insensitive
// collation, DATETIME and DATE, MONEY and DECIMAL(p,s), CHAR(1) flags, identity columns, a
// trigger on every insert): orders of 2 lines whose every value the store checks against
// the column and binds as its type. The raw baseline writes the same rows, flags as 'Y'
// and 'N', with the triggers firing for both.
func CustomerStageBenchmark(b *testing.B, open Opener) {
	stageBenchmark(b, open, createCustomerTables, CustomerOrder)
}

func stageBenchmark(b *testing.B, open Opener, tables func(testing.TB, *bundle), order func(shop string, id int64) erp.OrderStageParams) {
	const orders, round = 10000, 500
	s := open(b)
	bd := newBundle(b, s)
	_, err := s.Migrate(bd.ctx)
	require.NoError(b, err)
	if tables != nil {
		tables(b, bd)
	}

	sample := order("raw", 1)
	header, err := bd.rawTable(b, sample.Header.Name, append(sample.HeaderRow.Columns, erp.ColCreatedAt, erp.ColUpdatedAt))
	require.NoError(b, err)
	defer header.stmt.Close()
	line, err := bd.rawTable(b, sample.Lines.Name, sample.LineRows[0].Columns)
	require.NoError(b, err)
	defer line.stmt.Close()

	var staged, raw time.Duration
	var done int
	next := int64(1)
	for b.Loop() {
		for start := 0; start < orders; start += round {
			batch := make([]erp.OrderStageParams, round)
			for i := range batch {
				batch[i] = order("stage", next+int64(i))
			}
			t0 := time.Now()
			for _, p := range batch {
				require.NoError(b, s.OrderStage(bd.ctx, p))
			}
			staged += time.Since(t0)

			t0 = time.Now()
			for _, p := range batch {
				require.NoError(b, bd.insertRaw(header, line, p))
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

// rawTable is a plain INSERT into table of cols, prepared once, with what its columns hold.
type rawTable struct {
	stmt *sql.Stmt
	cols []passthrough.Column
}

func (b *bundle) rawTable(t testing.TB, table string, names []string) (rawTable, error) {
	all, err := b.store.TableColumns(b.ctx, table)
	if err != nil {
		return rawTable{}, err
	}
	var out rawTable
	for _, n := range names {
		for _, c := range all {
			if c.Name == n {
				out.cols = append(out.cols, c)
			}
		}
	}
	require.Len(t, out.cols, len(names), "the columns of %s", table)
	ph := make([]string, len(names))
	for i := range names {
		ph[i] = b.ph(t, i+1)
	}
	out.stmt, err = b.store.DB().PrepareContext(b.ctx, b.sql(t, "INSERT INTO "+table+" ("+strings.Join(names, ", ")+") VALUES ("+strings.Join(ph, ", ")+")"))
	return out, err
}

// insertRaw writes the order's rows under the shop "raw", in one transaction.
func (b *bundle) insertRaw(header, line rawTable, p erp.OrderStageParams) error {
	tx, err := b.store.DB().BeginTx(b.ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }() // after Commit it does nothing
	now := time.Now().UTC()
	if _, err := tx.StmtContext(b.ctx, header.stmt).ExecContext(b.ctx, b.rawArgs(header.cols, slices.Concat(p.HeaderRow.Values, []any{now, now}))...); err != nil {
		return err
	}
	ls := tx.StmtContext(b.ctx, line.stmt)
	for _, r := range p.LineRows {
		if _, err := ls.ExecContext(b.ctx, b.rawArgs(line.cols, r.Values)...); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// rawArgs are a row's values as the driver takes them, stored as the store stores them: the
// shop "raw", flags in one-character columns as 'Y' or 'N'.
func (b *bundle) rawArgs(cols []passthrough.Column, values []any) []any {
	out := make([]any, len(values))
	for i, v := range values {
		switch x := v.(type) {
		case time.Time:
			out[i] = b.timeArg(x)
		case string:
			if cols[i].Name == "shop" {
				x = "raw"
			}
			out[i] = x
		case bool:
			if cols[i].Kind == passthrough.KindText {
				out[i] = map[bool]string{true: "Y", false: "N"}[x]
			} else {
				out[i] = x
			}
		default:
			out[i] = v
		}
	}
	return out
}
