package erptest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/adapters/erp/internal/sqlstore"
	"github.com/passthrough-dev/passthrough/ledger"
)

// LedgerPages are the ledger pages the portal asks for, one per filter it offers (and a
// later page of each, by keyset), for the dialects' plan tests and benchmarks. They fit the
// rows of a ledger filled as the dialect tests fill theirs: order ids 1…n, one per second
// from 2026-01-01, order dates over 300 days, five statuses, some severities, emails
// c<id>@example.com, customers "Customer <id>" and one line of SKU sku-<id % 100> each (their
// search terms), and a staged header with ERP order number SO-<id> for every tenth.
func LedgerPages() map[string]erp.LedgerListParams {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cursor := &ledger.Cursor{UpdatedAt: start.Add(50000 * time.Second), OrderDate: start.AddDate(0, 0, 101), OrderID: 50000}
	pages := map[string]erp.LedgerListParams{
		"newest":       {Shop: "acme", Limit: 50},
		"status":       {Shop: "acme", Status: ledger.StatusFailed, Limit: 50},
		"severity":     {Shop: "acme", Severity: passthrough.SeverityError, Limit: 50},
		"order date":   {Shop: "acme", From: start.AddDate(0, 0, 100), To: start.AddDate(0, 0, 101), Limit: 50},
		"order name":   {Shop: "acme", Search: "#4242", Limit: 50},
		"email prefix": {Shop: "acme", Search: "C4242", Limit: 50},
		"search name":  {Shop: "acme", Search: "Customer", Limit: 50},
		"search SKU":   {Shop: "acme", Search: "sku-42", Limit: 50},
		"search id":    {Shop: "acme", Search: "4243", Limit: 50},
		"search ERP":   {Shop: "acme", Search: "SO-4240", Limit: 50},
	}
	out := map[string]erp.LedgerListParams{}
	for name, p := range pages {
		out[name] = p
		if name == "search ERP" || name == "search id" {
			continue // one entry: no later page
		}
		p.After = cursor
		out[name+", later page"] = p
	}
	return out
}

// LedgerPageStmt is the statement LedgerList sends for p on s, in dialect d: what the plan
// tests ask the database to explain.
func LedgerPageStmt(t testing.TB, s erp.Store, d sqlstore.Dialect, p erp.LedgerListParams) sqlstore.Stmt {
	t.Helper()
	cols, err := s.TableColumns(t.Context(), erp.DefaultHeaderTable)
	require.NoError(t, err)
	st, err := sqlstore.NewStatements(d).LedgerList(sqlstore.NewTable(erp.DefaultHeaderTable, cols), p)
	require.NoError(t, err)
	return st
}

// LedgerListBenchmark pages through s's ledger (filled as LedgerPages expects) under each
// filter of LedgerPages.
func LedgerListBenchmark(b *testing.B, s erp.Store) {
	for name, p := range LedgerPages() {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				page, err := s.LedgerList(b.Context(), p)
				require.NoError(b, err)
				require.NotEmpty(b, page)
			}
		})
	}
}
