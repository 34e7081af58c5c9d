package sqlstore

import (
	"fmt"
	"slices"
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

// Catalog builds every statement of st for review: the SQL Server dialect keeps them as
// golden files, since no SQL Server runs where its tests do. tables holds the default tables
// (s_orders, s_order_details, s_order_refunds, external_order_shipments,
// product_qty_in_stock) as the dialect's migrations create them; header and lines are one
// order as a mapping produces it.
func Catalog(st Statements, tables map[string]*Table, header passthrough.Row, lines []passthrough.Row) ([]Sample, error) {
	h, l, rf := tables["s_orders"], tables["s_order_details"], tables["s_order_refunds"]
	shipments, stock := tables["external_order_shipments"], tables["product_qty_in_stock"]
	if h == nil || l == nil || rf == nil || shipments == nil || stock == nil {
		return nil, fmt.Errorf("the catalog needs s_orders, s_order_details, s_order_refunds, external_order_shipments and product_qty_in_stock")
	}
	at := catalogTime
	out, err := StagingCatalog(st, StagingOrder{Header: h, Lines: l, Key: []string{erp.ColShop, erp.ColWebOrderID},
		HeaderRow: header, LineRows: lines,
		Cancel:    passthrough.Row{Columns: []string{"cancelled", "comment", erp.ColUpdatedAt}, Values: []any{true, "cancelled in Shopify", at}},
		Committed: CommittedColumns{SKU: "item_code", Quantity: "quantity", Warehouse: "warehouse_code"},
		LineKey:   []string{erp.ColShop, erp.ColWebOrderID, "line_no"}})
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
	listAll, laErr := st.LedgerList(h, erp.LedgerListParams{Shop: "acme", Limit: 50})
	listFiltered, lfErr := st.LedgerList(h, erp.LedgerListParams{Shop: "acme", Status: ledger.StatusFailed,
		Severity: passthrough.SeverityError, From: at.AddDate(0, 0, -7), To: at, Search: "1001", Limit: 50,
		After: &ledger.Cursor{UpdatedAt: at, OrderDate: at.AddDate(0, 0, -1), OrderID: 450789469}})
	listLater, llErr := st.LedgerList(h, erp.LedgerListParams{Shop: "acme", Severity: passthrough.SeverityRetry, Limit: 50,
		After: &ledger.Cursor{UpdatedAt: at, OrderDate: at.AddDate(0, 0, -1), OrderID: 450789469}})
	search := erp.LedgerListParams{Shop: "acme", Search: "Jörg Müller", Limit: 50}
	listSearch, lsErr := st.LedgerList(h, search)
	searchNumber := erp.LedgerListParams{Shop: "acme", Search: "1001", Status: ledger.StatusFailed, Limit: 50,
		After: &ledger.Cursor{UpdatedAt: at, OrderDate: at.AddDate(0, 0, -1), OrderID: 450789469}}
	listSearchNumber, lnErr := st.LedgerList(h, searchNumber)
	countAll, caErr := st.LedgerCount(h, erp.LedgerListParams{Shop: "acme", Status: ledger.StatusFailed})
	countSearch, csrErr := st.LedgerCount(h, search)
	combined := st.LedgerWrite(entry, &event)
	committedSince, csErr := st.OrderCommittedList(h, l, CommittedColumns{SKU: "item_code", Quantity: "quantity", Warehouse: "warehouse_code"},
		erp.OrderCommittedListParams{Shop: "acme", Since: at.AddDate(0, 0, -30)})
	withLineItem := NewTable(shipments.Name, append(slices.Clone(shipments.Columns),
		passthrough.Column{Name: "line_item_id", Kind: passthrough.KindInteger, DataType: "bigint", Nullable: true}))
	lastSent := int64(12)
	check := erp.InventoryCheck{Shop: "acme", CheckedAt: at, Levels: 30000, Drift: []erp.InventoryDrift{
		{SKU: "IPOD-342-N", InventoryItemID: 808950810, LocationID: 655441491, ERP: 12, Shopify: 9, LastSent: &lastSent},
		{SKU: "TS-001-X3", InventoryItemID: 808950811, LocationID: 655441491, ERP: 4, Shopify: 0},
	}}
	problem := erp.Problem{ExecutionID: 7, Feed: "orders", Shop: "acme", RecordKey: "450789469", Severity: passthrough.SeverityError,
		Message: "unknown SKU IPOD-342-N", Template: "unknown SKU X", ClassID: 12, At: at}
	owner := erp.Owner{ID: "1f3a9c02-5b7d-4e61-9a0c-2d8e4f6a1b3c", Host: "web-2", PID: 4711}
	lockParams := erp.LockParams{Shop: "acme", Name: "orders", Owner: owner, Token: "6c1e0d8a9b2f4c3e", TTL: 30 * time.Second}
	claimParams := erp.LockParams{Shop: "acme", Name: "SH-1", Owner: owner, Token: "6c1e0d8a9b2f4c3e", TTL: 30 * time.Second}
	feedLock := erp.Lock{Shop: "acme", Name: "orders", Owner: owner, Token: lockParams.Token}
	claim := erp.Lock{Shop: "acme", Name: "SH-1", Owner: owner, Token: claimParams.Token}
	err = add(&out, []sample{
		{"Columns", st.Columns("s_orders"), nil},
		{"LedgerLock", st.LedgerLock("acme", 450789469), nil},
		{"LedgerVersion", st.LedgerVersion("acme", 450789469), nil},
		{"LedgerUpsert", st.LedgerUpsert(entry), nil},
		{"LedgerEventAdd", st.LedgerEventAdd(event), nil},
		{"LedgerEventAdd/by-an-operator", st.LedgerEventAdd(excluded), nil},
		{"LedgerWrite", combined[0], nil},
		{"LedgerEventList", st.LedgerEventList("acme", 450789469), nil},
		{"LedgerList/newest", listAll, laErr},
		{"LedgerList/every-filter", listFiltered, lfErr},
		{"LedgerList/later-page", listLater, llErr},
		{"LedgerList/search-words", listSearch, lsErr},
		{"LedgerList/search-number-later-page", listSearchNumber, lnErr},
		{"LedgerCount", countAll, caErr},
		{"LedgerCount/search", countSearch, csrErr},
		{"OrderTermCount", st.OrderTermCount("acme", "muller", 10000), nil},
		{"OrderTermsDelete", st.OrderTermsDelete("acme", 450789469), nil},
		{"OrderTermsInsert", st.OrderTermsInsert("acme", 450789469, ledger.SearchTerms(ledger.Entry{CustomerName: "Jörg Müller",
			SKUs: []string{"IPOD-342-N", "TS-001"}})), nil},
		{"ShipmentListUnsent", st.ShipmentListUnsent(shipments, erp.ShipmentListUnsentParams{Shop: "acme", Limit: 20}), nil},
		{"ShipmentListUnsent/with-line-item-id", st.ShipmentListUnsent(withLineItem, erp.ShipmentListUnsentParams{Shop: "acme", Limit: 20}), nil},
		{"OrderCommittedList/since", committedSince, csErr},
		{"ShipmentMark", st.ShipmentMark(shipments, erp.ShipmentMarkParams{ShipmentID: "SH-1", Status: "error", Error: "422 already fulfilled", At: at}), nil},
		{"ShipmentMark/sent", st.ShipmentMark(shipments, erp.ShipmentMarkParams{ShipmentID: "SH-2", Status: "sent", At: at}), nil},
		{"StockList/all", st.StockList(stock, erp.StockEachParams{}), nil},
		{"StockList/changed-since", st.StockList(stock, erp.StockEachParams{ChangedSince: at}), nil},
		{"ExecutionStart", st.ExecutionStart(erp.ExecutionStartParams{Feed: "orders", Shop: "acme", Trigger: "schedule", At: at,
			Owner: owner.String(), LockToken: feedLock.Token}), nil},
		{"ExecutionFinish", st.ExecutionFinish(erp.ExecutionFinishParams{ID: 7, At: at, Outcome: erp.OutcomeFinished,
			Counts: erp.ExecutionCounts{Seen: 250, Written: 248, Skipped: 1, Retry: 1},
			Usage:  passthrough.APIUsage{RESTCalls: 3, GraphQLPoints: 112, Wait: 1500 * time.Millisecond, RateLimited: 1}}), nil},
		{"ExecutionGet", st.ExecutionGet(7), nil},
		{"ExecutionList", st.ExecutionList(erp.ExecutionListParams{Shop: "acme", Feed: "orders", BeforeID: 7, Limit: 20}), nil},
		{"ProblemAdd", st.ProblemAdd(erp.Problem{ExecutionID: 7, Feed: "orders", Shop: "acme", RecordKey: "450789469",
			Severity: passthrough.SeverityError, Message: "unknown SKU IPOD-342-N", At: at}), nil},
		{"ProblemAdd/found-by-no-run", st.ProblemAdd(erp.Problem{Feed: "inventory", Shop: "acme", RecordKey: "IPOD-342-N@655441491",
			Severity: passthrough.SeverityError, Message: "drift", At: at}), nil},
		{"ProblemList", st.ProblemList(erp.ProblemListParams{Shop: "acme", ExecutionID: 7, Feed: "orders", RecordKey: "450789469", BeforeID: 99, Limit: 20}), nil},
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
		{"LockRead/feed", st.LockRead(FeedLocks, "acme", "orders"), nil},
		{"LockRead/shipment", st.LockRead(ShipmentClaims, "acme", "SH-1"), nil},
		{"LockInsert/feed", st.LockInsert(FeedLocks, lockParams), nil},
		{"LockInsert/shipment", st.LockInsert(ShipmentClaims, claimParams), nil},
		{"LockTake/feed", st.LockTake(FeedLocks, lockParams), nil},
		{"LockTake/shipment", st.LockTake(ShipmentClaims, claimParams), nil},
		{"LockRenew/feed", st.LockRenew(FeedLocks, feedLock, lockParams.TTL), nil},
		{"LockRenew/shipment", st.LockRenew(ShipmentClaims, claim, claimParams.TTL), nil},
		{"LockDelete/feed", st.LockDelete(FeedLocks, feedLock), nil},
		{"LockDelete/shipment", st.LockDelete(ShipmentClaims, claim), nil},
		{"LockList", st.LockList(FeedLocks, "acme"), nil},
		{"ExecutionHeartbeat", st.ExecutionHeartbeat(feedLock.Token), nil},
		{"ExecutionStarted", st.ExecutionStarted(7), nil},
		{"ExecutionCloseStale", st.ExecutionCloseStale(erp.ExecutionCloseStaleParams{Shop: "acme", Feeds: []string{"inventory", "stock-check"},
			After: 30 * time.Second, Error: "interrupted: its process stopped heartbeating"}), nil},
		{"RefundInsert", st.RefundInsert("acme", 509562969, 450789469, refundStaged, at), nil},
		{"RefundRecord", st.RefundRecord("acme", 509562969, 450789469, refundAbsorbed, at), nil},
		{"RefundIDList", st.RefundIDList("acme", 450789469), nil},
		{"RefundImportedList", st.RefundImportedList(rf, "acme", 450789469), nil},
		{"RefundRowsWithdraw", st.RefundRowsWithdraw(rf, "acme", 450789469), nil},
		{"CompletenessPut", st.CompletenessPut(erp.CompletenessDay{Shop: "acme", Day: "2026-11-21", CheckedAt: at,
			ShopifyOrders: 412, Missing: 1, Late: 2, Imported: 3}), nil},
		{"CompletenessList", st.CompletenessList("acme", 31), nil},
		{"ShipmentListTest", st.ShipmentListTest(shipments, "acme"), nil},
		{"ShipmentListTest/with-line-item-id", st.ShipmentListTest(withLineItem, "acme"), nil},
		{"ShipmentRelease", st.ShipmentRelease(shipments, "acme"), nil},
		{"ShipmentList", st.ShipmentList(shipments, erp.ShipmentListParams{Shop: "acme", Limit: 50}), nil},
		{"ShipmentList/every-filter", st.ShipmentList(withLineItem, erp.ShipmentListParams{Shop: "acme", Status: erp.ShipmentError,
			OrderID: 450789469, ShipmentID: "SH-1", Before: "SH-9", Limit: 50}), nil},
		{"ShipmentList/unsent", st.ShipmentList(shipments, erp.ShipmentListParams{Shop: "acme", Status: erp.ShipmentUnsent}), nil},
		{"ShipmentRetry", st.ShipmentRetry(shipments, "acme", "SH-1"), nil},
		{"ShipmentFulfillmentAdd", st.ShipmentFulfillmentAdd(erp.ShipmentFulfillment{Shop: "acme", ShipmentID: "SH-1",
			FulfillmentID: 255858046, Name: "#1001.1", At: at}), nil},
		{"ShipmentFulfillmentList", st.ShipmentFulfillmentList("acme", []string{"SH-1", "SH-2"}), nil},
		{"ProblemClassLock", st.ProblemClassLock("acme", classKey("orders", passthrough.SeverityError, "unknown SKU X")), nil},
		{"ProblemClassInsert", st.ProblemClassInsert("acme", classKey("orders", passthrough.SeverityError, "unknown SKU X"), problem), nil},
		{"ProblemClassSeen", st.ProblemClassSeen(12, at), nil},
		{"ProblemClassList", st.ProblemClassList(erp.ProblemClassListParams{Shop: "acme", Limit: 100}), nil},
		{"ProblemClassList/every-filter", st.ProblemClassList(erp.ProblemClassListParams{Shop: "acme", Feed: "orders",
			Severity: passthrough.SeverityError, Since: at.AddDate(0, 0, -1), OpenOnly: true, Limit: 20}), nil},
		{"ProblemClassGet", st.ProblemClassGet("acme", 12), nil},
		{"ProblemRecordLock", st.ProblemRecordLock("acme", "orders", "450789469"), nil},
		{"ProblemRecordInsert", st.ProblemRecordInsert(problem), nil},
		{"ProblemRecordSeen", st.ProblemRecordSeen(problem), nil},
		{"ProblemRecordList", st.ProblemRecordList(erp.ProblemRecordListParams{Shop: "acme", ClassID: 12, Status: erp.ProblemOpen,
			Limit: 100}), nil},
		{"ProblemRecordList/later-page", st.ProblemRecordList(erp.ProblemRecordListParams{Shop: "acme", Feed: "orders", RecordKey: "450789469",
			After: &erp.ProblemRecord{LastSeenAt: at, RecordKey: "450789469"}, Limit: 100}), nil},
		{"ProblemResolve", st.ProblemResolve(erp.ProblemResolveParams{Shop: "acme", Feed: "orders", RecordKey: "450789469",
			Status: erp.ProblemResolved, By: "ann", Reason: "entered in the ERP by hand", At: at}), nil},
		{"ProblemResolve/a-class", st.ProblemResolve(erp.ProblemResolveParams{Shop: "acme", Feed: "orders", ClassID: 12,
			Status: erp.ProblemResolved, By: "ann", Reason: "fixed in Shopify", At: at}), nil},
		{"ProblemResolve/not-seen-again", st.ProblemResolve(erp.ProblemResolveParams{Shop: "acme", Feed: "inventory",
			SeenBefore: at.Add(-time.Minute), Status: erp.ProblemSucceeded, At: at}), nil},
		{"AuditAdd", st.AuditAdd(erp.AuditEntry{Shop: "acme", At: at, Actor: "ann", Action: "order.retry", Target: "order 450789469",
			Detail: "staged again"}), nil},
		{"AuditList", st.AuditList(erp.AuditListParams{Shops: []string{"acme", ""}, Limit: 50}), nil},
		{"AuditList/every-filter", st.AuditList(erp.AuditListParams{Shops: []string{"acme"}, Actor: "ann", Action: "order.retry",
			BeforeID: 99, Limit: 50}), nil},
	})
	if err != nil {
		return nil, err
	}
	if err = add(&out, accountsCatalog(st)); err != nil {
		return nil, err
	}
	if err = add(&out, alertsCatalog(st)); err != nil {
		return nil, err
	}
	if err = add(&out, overviewCatalog(st)); err != nil {
		return nil, err
	}
	return append(out, webhookSamples(st, at)...), nil
}

// catalogTime is the time every sample is built at.
var catalogTime = time.Date(2026, 11, 22, 10, 30, 0, 123000000, time.UTC)

// StagingOrder is one order for an ERP's own staging tables, as StagingCatalog takes it.
type StagingOrder struct {
	Header, Lines *Table // as the database describes them
	Key           []string
	HeaderRow     passthrough.Row
	LineRows      []passthrough.Row
	Cancel        passthrough.Row  // the header columns a cancellation sets
	Committed     CommittedColumns // the lines' SKU, quantity and warehouse columns
	LineKey       []string         // the lines' key, which orders them
}

// StagingCatalog builds the statements whose SQL and parameters follow an ERP's tables:
// staging the order o, updating its header, reading it back with the ledger joined, and
// reading the lines of staged orders. The SQL Server dialect keeps them as golden files for
// the default tables and for tables shaped as ERPs bring them.
func StagingCatalog(st Statements, o StagingOrder) ([]Sample, error) {
	d, h, l := st.d, o.Header, o.Lines
	hdr, err := resolve(d, h, o.HeaderRow)
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	key, keyVals, err := keyOf(h, hdr, o.Key)
	if err != nil {
		return nil, err
	}
	var insertOnly []string
	for _, name := range []string{erp.ColUpdatedAt, erp.ColCreatedAt} {
		if c, err := h.Column(name); err == nil {
			hdr.set(&c, d.Bind(c, catalogTime))
			if name == erp.ColCreatedAt {
				insertOnly = []string{c.Name}
			}
		}
	}
	var rows []row
	for i, in := range o.LineRows {
		r, err := resolve(d, l, in)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", i+1, err)
		}
		rows = append(rows, r)
	}
	cancel, err := resolve(d, h, o.Cancel)
	if err != nil {
		return nil, fmt.Errorf("cancel: %w", err)
	}
	lineKey := make([]passthrough.Column, len(key))
	for i, k := range key {
		if lineKey[i], err = l.Column(k.Name); err != nil {
			return nil, err
		}
	}
	headerStage, hsErr := st.HeaderStage(h, key, hdr, insertOnly)
	lock, lockErr := st.HeaderLock(h, key, keyVals)
	importStatus, isErr := st.ImportStatusList(h, "acme", []int64{450789469, 450789470})
	ledgerGet, lgErr := st.LedgerGet(h, "acme", 450789469)
	committed, cErr := st.OrderCommittedList(h, l, o.Committed, erp.OrderCommittedListParams{Shop: "acme"})
	stagedHeader, shErr := st.StagedRows(h, nil, "acme", 450789469)
	stagedLines, slErr := st.StagedRows(l, o.LineKey, "acme", 450789469)
	counts, ctErr := st.LedgerStatusCounts(h, "acme")
	var out []Sample
	err = add(&out, []sample{
		{"HeaderStage", headerStage, hsErr},
		{"HeaderLock", lock, lockErr},
		{"HeaderUpdate", st.HeaderUpdate(h, key, keyVals, cancel), nil},
		{"LinesDelete", st.LinesDelete(l, lineKey, keyVals), nil},
		{"LinesInsert", st.LinesInsert(l, rows), nil},
		{"ImportStatusList", importStatus, isErr},
		{"LedgerGet", ledgerGet, lgErr},
		{"OrderCommittedList", committed, cErr},
		{"StagedRows/header", stagedHeader, shErr},
		{"StagedRows/lines", stagedLines, slErr},
		{"LedgerStatusCounts", counts, ctErr},
	})
	return out, err
}

// sample is a statement of the catalog with the error building it gave.
type sample struct {
	name string
	stmt Stmt
	err  error
}

func add(out *[]Sample, samples []sample) error {
	for _, s := range samples {
		if s.err != nil {
			return fmt.Errorf("%s: %w", s.name, s.err)
		}
		*out = append(*out, Sample{Name: s.name, Stmt: s.stmt})
	}
	return nil
}
