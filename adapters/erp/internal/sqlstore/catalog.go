package sqlstore

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/ledger"
)

// Sample is one statement the store sends, built from representative inputs, named after
// the Statements method that builds it (with a variant after a slash).
type Sample struct {
	Name string
	Stmt Stmt
}

// Catalog builds every statement of Statements for review: the SQL Server dialect keeps
// them as golden files, since no SQL Server runs where its tests do. tables holds the
// default tables (s_orders, s_order_details) as the dialect's migrations create them;
// header and lines are one order as a mapping produces it.
func Catalog(d Dialect, tables map[string]*Table, header passthrough.Row, lines []passthrough.Row) ([]Sample, error) {
	st := NewStatements(d)
	h, l, rf := tables["s_orders"], tables["s_order_details"], tables["s_order_refunds"]
	if h == nil || l == nil || rf == nil {
		return nil, fmt.Errorf("the catalog needs s_orders, s_order_details and s_order_refunds")
	}
	hdr, err := resolve(d, h, header)
	if err != nil {
		return nil, err
	}
	key, keyVals, err := keyOf(h, hdr, []string{erp.ColShop, erp.ColWebOrderID})
	if err != nil {
		return nil, err
	}
	at := time.Date(2026, 11, 22, 10, 30, 0, 123000000, time.UTC)
	created, _ := h.Column(erp.ColCreatedAt)
	updated, _ := h.Column(erp.ColUpdatedAt)
	hdr.set(updated, d.Bind(updated, at))
	hdr.set(created, d.Bind(created, at))
	var rows []row
	for _, in := range lines {
		r, err := resolve(d, l, in)
		if err != nil {
			return nil, err
		}
		rows = append(rows, r)
	}
	cancel, err := resolve(d, h, passthrough.Row{Columns: []string{"cancelled", "comment", erp.ColUpdatedAt}, Values: []any{true, "cancelled in Shopify", at}})
	if err != nil {
		return nil, err
	}
	entry := ledger.Entry{Shop: "acme", OrderID: 450789469, OrderName: "#1001", OrderDate: at, CustomerName: "Bob Norman",
		CustomerEmail: "bob.norman@example.com", Total: decimal.RequireFromString("598.94"), Currency: "USD",
		Status: ledger.StatusStaged, Problem: "", Attempts: 1, Payload: []byte(`{"id":450789469}`), PayloadHash: "sha256:…",
		ShopifyUpdatedAt: at, RunID: 7, FirstSeenAt: at, UpdatedAt: at}
	event := ledger.Event{Shop: "acme", OrderID: 450789469, At: at, Status: ledger.StatusStaged, Message: "staged with 3 lines", RunID: 7}
	excluded := ledger.Event{Shop: "acme", OrderID: 450789469, At: at, Status: ledger.StatusExcluded, Severity: passthrough.SeverityInfo,
		Message: "skipped by ann: sold in the shop", Actor: "ann"}

	var out []Sample
	add := func(name string, s Stmt, err error) error {
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		out = append(out, Sample{Name: name, Stmt: s})
		return nil
	}
	headerStage, err := st.HeaderStage(h, key, hdr, []string{created.Name})
	lock, lockErr := st.HeaderLock(h, key, keyVals)
	importStatus, isErr := st.ImportStatusList(h, "acme", []int64{450789469, 450789470})
	ledgerGet, lgErr := st.LedgerGet(h, "acme", 450789469)
	listAll, laErr := st.LedgerList(h, erp.LedgerListParams{Shop: "acme", Limit: 50})
	listFiltered, lfErr := st.LedgerList(h, erp.LedgerListParams{Shop: "acme", Status: ledger.StatusFailed,
		Severity: passthrough.SeverityError, From: at.AddDate(0, 0, -7), To: at, Search: "1001", Limit: 50,
		After: &ledger.Cursor{UpdatedAt: at, OrderDate: at.AddDate(0, 0, -1), OrderID: 450789469}})
	listLater, llErr := st.LedgerList(h, erp.LedgerListParams{Shop: "acme", Severity: passthrough.SeverityRetry, Limit: 50,
		After: &ledger.Cursor{UpdatedAt: at, OrderDate: at.AddDate(0, 0, -1), OrderID: 450789469}})
	combined := st.LedgerWrite(entry, &event)
	committedCols := CommittedColumns{SKU: "item_code", Quantity: "quantity", Warehouse: "warehouse_code"}
	committed, cErr := st.OrderCommittedList(h, l, committedCols, erp.OrderCommittedListParams{Shop: "acme"})
	committedSince, csErr := st.OrderCommittedList(h, l, committedCols, erp.OrderCommittedListParams{Shop: "acme", Since: at.AddDate(0, 0, -30)})
	lastSent := int64(12)
	check := erp.InventoryCheck{Shop: "acme", CheckedAt: at, Levels: 30000, Drift: []erp.InventoryDrift{
		{SKU: "IPOD-342-N", InventoryItemID: 808950810, LocationID: 655441491, ERP: 12, Shopify: 9, LastSent: &lastSent},
		{SKU: "TS-001-X3", InventoryItemID: 808950811, LocationID: 655441491, ERP: 4, Shopify: 0},
	}}
	for _, s := range []struct {
		name string
		stmt Stmt
		err  error
	}{
		{"Columns", st.Columns("s_orders"), nil},
		{"HeaderStage", headerStage, err},
		{"HeaderLock", lock, lockErr},
		{"HeaderUpdate", st.HeaderUpdate(h, key, keyVals, cancel), nil},
		{"LinesDelete", st.LinesDelete(l, key, keyVals), nil},
		{"LinesInsert", st.LinesInsert(l, rows), nil},
		{"ImportStatusList", importStatus, isErr},
		{"LedgerLock", st.LedgerLock("acme", 450789469), nil},
		{"LedgerUpsert", st.LedgerUpsert(entry), nil},
		{"LedgerEventAdd", st.LedgerEventAdd(event), nil},
		{"LedgerEventAdd/by-an-operator", st.LedgerEventAdd(excluded), nil},
		{"LedgerWrite", combined[0], nil},
		{"LedgerEventList", st.LedgerEventList("acme", 450789469), nil},
		{"LedgerGet", ledgerGet, lgErr},
		{"LedgerList/newest", listAll, laErr},
		{"LedgerList/every-filter", listFiltered, lfErr},
		{"LedgerList/later-page", listLater, llErr},
		{"ShipmentListUnsent", st.ShipmentListUnsent(erp.ShipmentListUnsentParams{Shop: "acme", Limit: 20}, ""), nil},
		{"ShipmentListUnsent/with-line-item-id", st.ShipmentListUnsent(erp.ShipmentListUnsentParams{Shop: "acme", Limit: 20}, "line_item_id"), nil},
		{"OrderCommittedList", committed, cErr},
		{"OrderCommittedList/since", committedSince, csErr},
		{"ShipmentMark", st.ShipmentMark(erp.ShipmentMarkParams{ShipmentID: "SH-1", Status: "error", Error: "422 already fulfilled", At: at}), nil},
		{"StockList/all", st.StockList(erp.StockEachParams{}), nil},
		{"StockList/changed-since", st.StockList(erp.StockEachParams{ChangedSince: at}), nil},
		{"ExecutionStart", st.ExecutionStart(erp.ExecutionStartParams{Feed: "orders", Shop: "acme", Trigger: "schedule", At: at}), nil},
		{"ExecutionFinish", st.ExecutionFinish(erp.ExecutionFinishParams{ID: 7, At: at, Outcome: erp.OutcomeFinished,
			Counts: erp.ExecutionCounts{Seen: 250, Written: 248, Skipped: 1, Retry: 1}}), nil},
		{"ExecutionGet", st.ExecutionGet(7), nil},
		{"ExecutionList", st.ExecutionList(erp.ExecutionListParams{Feed: "orders", BeforeID: 7, Limit: 20}), nil},
		{"ProblemAdd", st.ProblemAdd(erp.Problem{ExecutionID: 7, Feed: "orders", Shop: "acme", RecordKey: "450789469",
			Severity: passthrough.SeverityError, Message: "unknown SKU IPOD-342-N", At: at}), nil},
		{"ProblemList", st.ProblemList(erp.ProblemListParams{ExecutionID: 7, Feed: "orders", RecordKey: "450789469", BeforeID: 99, Limit: 20}), nil},
		{"WatermarkGet", st.WatermarkGet("acme", "orders"), nil},
		{"WatermarkSet", st.WatermarkSet("acme", "orders", at), nil},
		{"InventorySentList", st.InventorySentList("acme"), nil},
		{"InventorySentPut", st.InventorySentPut(erp.InventorySent{Shop: "acme", SKU: "IPOD-342-N", InventoryItemID: 808950810,
			LocationID: 655441491, Available: 12, SentAt: at}), nil},
		{"InventoryCheckUpsert", st.InventoryCheckUpsert(check), nil},
		{"InventoryDriftDelete", st.InventoryDriftDelete("acme"), nil},
		{"InventoryDriftInsert", st.InventoryDriftInsert("acme", check.Drift), nil},
		{"InventoryCheckGet", st.InventoryCheckGet("acme"), nil},
		{"InventoryDriftList", st.InventoryDriftList("acme"), nil},
		{"SettingGet", st.SettingGet("mode"), nil},
		{"SettingSet", st.SettingSet("mode", "live"), nil},
		{"RefundInsert", st.RefundInsert("acme", 509562969, 450789469, refundStaged, at), nil},
		{"RefundRecord", st.RefundRecord("acme", 509562969, 450789469, refundAbsorbed, at), nil},
		{"RefundIDList", st.RefundIDList("acme", 450789469), nil},
		{"RefundImportedList", st.RefundImportedList(rf, "acme", 450789469), nil},
		{"RefundRowsWithdraw", st.RefundRowsWithdraw(rf, "acme", 450789469), nil},
		{"CompletenessPut", st.CompletenessPut(erp.CompletenessDay{Shop: "acme", Day: "2026-11-21", CheckedAt: at,
			ShopifyOrders: 412, Missing: 1, Late: 2, Imported: 3}), nil},
		{"CompletenessList", st.CompletenessList("acme", 31), nil},
		{"ShipmentListTest", st.ShipmentListTest("acme"), nil},
		{"ShipmentRelease", st.ShipmentRelease("acme"), nil},
	} {
		if err := add(s.name, s.stmt, s.err); err != nil {
			return nil, err
		}
	}
	return out, nil
}
