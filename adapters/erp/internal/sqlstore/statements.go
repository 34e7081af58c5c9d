package sqlstore

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/ledger"
)

// Stmt is one statement with its parameters, in the order its placeholders appear.
type Stmt struct {
	SQL  string
	Args []any
	// Counted statements answer the number of rows they changed: as a result row when
	// CountRow is set (the dialect's CountedUpdate), otherwise through RowsAffected.
	Counted, CountRow bool
}

// Statements builds every statement the store sends, so they can all be written out and
// reviewed (the SQL Server dialect keeps them as golden files).
type Statements struct {
	d      Dialect
	schema string
	cache  *sqlCache
}

// sqlCache keeps SQL that depends on a mapping's columns, by kind, table and columns. A
// mapping gives the same columns to every order, so it stays small; past maxCached entries
// (a mapping whose rows vary wildly) statements are simply built each time.
type sqlCache struct {
	mu  sync.Mutex
	sql map[string]string
}

const maxCached = 1024

// NewStatements returns the statements of dialect d, on tables in the connection's own schema.
func NewStatements(d Dialect) Statements {
	return Statements{d: d, cache: &sqlCache{sql: map[string]string{}}}
}

// InSchema returns the statements on tables in schema: every table they name, the ERP's and
// passthrough's own, is qualified with it.
func (st Statements) InSchema(schema string) Statements {
	return Statements{d: st.d, schema: schema, cache: &sqlCache{sql: map[string]string{}}}
}

// name is one of the tables passthrough knows by name (its pt_ tables, the default staging
// tables it reads): written plain, in the store's schema when it has one.
func (st Statements) name(table string) string {
	if st.schema == "" {
		return table
	}
	return st.d.Quote(st.schema) + "." + table
}

// quote is a table a mapping or the configuration names: quoted, in the store's schema when
// it has one.
func (st Statements) quote(table string) string {
	if st.schema == "" {
		return st.d.Quote(table)
	}
	return st.d.Quote(st.schema) + "." + st.d.Quote(table)
}

// upsert is the dialect's upsert, built once per table and column list.
func (st Statements) upsert(table string, key, cols, insertOnly []string) string {
	return st.cached("upsert", table, key, cols, insertOnly, func() string { return st.d.Upsert(table, key, cols, insertOnly) })
}

// params numbers placeholders as they are written.
type params struct {
	d    Dialect
	args []any
}

func (p *params) add(v any) string {
	p.args = append(p.args, v)
	return p.d.Placeholder(len(p.args))
}

func (st Statements) quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = st.d.Quote(n)
	}
	return strings.Join(q, ", ")
}

// where joins "column = ?" for each key column.
func (st Statements) where(p *params, alias string, cols []passthrough.Column, vals []any) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = alias + st.d.Quote(c.Name) + " = " + p.add(vals[i])
	}
	return strings.Join(parts, " AND ")
}

// counted is the statement update WHERE where, answering the rows it changed.
func (st Statements) counted(update, where string, args []any) Stmt {
	if q := st.d.CountedUpdate(update, where); q != "" {
		return Stmt{SQL: q, Args: args, Counted: true, CountRow: true}
	}
	return Stmt{SQL: update + " WHERE " + where, Args: args, Counted: true}
}

func names(cols []passthrough.Column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Name
	}
	return out
}

// Columns lists a table's columns.
func (st Statements) Columns(table string) Stmt {
	q, args := st.d.ColumnsQuery(st.schema, table)
	return Stmt{SQL: q, Args: args}
}

// --- staging ------------------------------------------------------------------------------

// HeaderStage writes an order header unless the ERP has imported it: one row back when
// written, none when imported.
func (st Statements) HeaderStage(h *Table, key []passthrough.Column, r row, insertOnly []string) (Stmt, error) {
	status, err := h.Column(erp.ColImportStatus)
	if err != nil {
		return Stmt{}, err
	}
	q := st.cached("stage", h.Name, names(key), r.names(), insertOnly, func() string {
		return st.d.UpsertUnlessImported(st.quote(h.Name), st.quoted(names(key)), st.quoted(r.names()), st.quoted(insertOnly), st.d.Quote(status.Name))
	})
	return Stmt{SQL: q, Args: r.vals}, nil
}

// cached builds a statement once per kind, table and column lists: every order of a mapping
// has the same columns, and quoting them all again for each one is wasted work.
func (st Statements) cached(kind, table string, a, b, c []string, build func() string) string {
	k := kind + "\x01" + table + "\x01" + strings.Join(a, "\x00") + "\x01" + strings.Join(b, "\x00") + "\x01" + strings.Join(c, "\x00")
	st.cache.mu.Lock()
	q, ok := st.cache.sql[k]
	st.cache.mu.Unlock()
	if ok {
		return q
	}
	q = build()
	st.cache.mu.Lock()
	if len(st.cache.sql) < maxCached {
		st.cache.sql[k] = q
	}
	st.cache.mu.Unlock()
	return q
}

func (st Statements) quoted(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = st.d.Quote(n)
	}
	return out
}

// HeaderLock reads an order header's import status and holds the header's key until the
// transaction ends, so two stagers of one order go one after the other.
func (st Statements) HeaderLock(h *Table, key []passthrough.Column, vals []any) (Stmt, error) {
	status, err := h.Column(erp.ColImportStatus)
	if err != nil {
		return Stmt{}, err
	}
	p := &params{d: st.d}
	w := st.where(p, "", key, vals)
	return Stmt{SQL: st.d.SelectForUpdate(st.quote(h.Name), []string{st.d.Quote(status.Name)}, w), Args: p.args}, nil
}

// HeaderUpdate sets some columns of one header.
func (st Statements) HeaderUpdate(h *Table, key []passthrough.Column, keyVals []any, set row) Stmt {
	p := &params{d: st.d}
	parts := make([]string, len(set.cols))
	for i, c := range set.cols {
		parts[i] = st.d.Quote(c.Name) + " = " + p.add(set.vals[i])
	}
	w := st.where(p, "", key, keyVals)
	return Stmt{SQL: fmt.Sprintf("UPDATE %s SET %s WHERE %s", st.quote(h.Name), strings.Join(parts, ", "), w), Args: p.args}
}

// LinesDelete removes an order's lines by the header's key.
func (st Statements) LinesDelete(l *Table, key []passthrough.Column, vals []any) Stmt {
	p := &params{d: st.d}
	w := st.where(p, "", key, vals)
	return Stmt{SQL: fmt.Sprintf("DELETE FROM %s WHERE %s", st.quote(l.Name), w), Args: p.args}
}

// LinesInsert inserts rows that all have the same columns, in one statement.
func (st Statements) LinesInsert(l *Table, rows []row) Stmt {
	cols := rows[0].names()
	args := make([]any, 0, len(rows)*len(cols))
	for _, r := range rows {
		args = append(args, r.vals...)
	}
	q := st.cached("lines", l.Name, cols, []string{strconv.Itoa(len(rows))}, nil, func() string {
		p := &params{d: st.d}
		values := make([]string, len(rows))
		for i, r := range rows {
			ph := make([]string, len(r.vals))
			for j, v := range r.vals {
				ph[j] = p.add(v)
			}
			values[i] = "(" + strings.Join(ph, ", ") + ")"
		}
		return fmt.Sprintf("INSERT INTO %s (%s) VALUES %s", st.quote(l.Name), st.quoteAll(cols), strings.Join(values, ", "))
	})
	return Stmt{SQL: q, Args: args}
}

// headerCols are the header's contract columns, quoted, or an error naming the missing one.
func (st Statements) headerCols(h *Table, want ...string) ([]string, error) {
	out := make([]string, len(want))
	for i, w := range want {
		c, err := h.Column(w)
		if err != nil {
			return nil, err
		}
		out[i] = st.d.Quote(c.Name)
	}
	return out, nil
}

// column is t's column of that name, or a column of kind k when t has none (its value is
// then bound as passthrough binds its own).
func column(t *Table, name string, k passthrough.ColumnKind) passthrough.Column {
	if c, err := t.Column(name); err == nil {
		return c
	}
	return passthrough.Column{Name: name, Kind: k}
}

// ImportStatusList reads what the ERP wrote on the headers of some orders.
func (st Statements) ImportStatusList(h *Table, shop string, ids []int64) (Stmt, error) {
	c, err := st.headerCols(h, erp.ColShop, erp.ColWebOrderID, erp.ColImportStatus, erp.ColImportError, erp.ColERPOrderNo)
	if err != nil {
		return Stmt{}, err
	}
	p := &params{d: st.d}
	shopCol, idCol := column(h, erp.ColShop, passthrough.KindText), column(h, erp.ColWebOrderID, passthrough.KindInteger)
	shopPh := p.add(st.value(shopCol, shop))
	in := make([]string, len(ids))
	for i, id := range ids {
		in[i] = p.add(st.value(idCol, id))
	}
	return Stmt{SQL: fmt.Sprintf("SELECT %s, %s, %s, %s FROM %s WHERE %s = %s AND %s IN (%s)",
		c[1], c[2], c[3], c[4], st.quote(h.Name), c[0], shopPh, c[1], strings.Join(in, ", ")), Args: p.args}, nil
}

// --- ledger -------------------------------------------------------------------------------

var ledgerCols = []string{"shop", "order_id", "order_name", "order_date", "customer_name", "customer_email",
	"search_email", "total", "currency", "status", "severity", "problem", "attempts", "payload_hash",
	"shopify_updated_at", "last_run_id", "actor", "first_seen_at", "updated_at", "payload"}

// LedgerLock reads an entry's status, severity and problem and holds it until the
// transaction ends.
func (st Statements) LedgerLock(shop string, orderID int64) Stmt {
	p := &params{d: st.d}
	w := "shop = " + p.add(st.text(shop)) + " AND order_id = " + p.add(st.int64(orderID))
	return Stmt{SQL: st.d.SelectForUpdate(st.name("pt_order_ledger"), []string{"status", "severity", "problem"}, w), Args: p.args}
}

// LedgerVersion reads the Shopify updated_at of the version an entry records and holds the
// entry until the transaction ends.
func (st Statements) LedgerVersion(shop string, orderID int64) Stmt {
	p := &params{d: st.d}
	w := "shop = " + p.add(st.text(shop)) + " AND order_id = " + p.add(st.int64(orderID))
	return Stmt{SQL: st.d.SelectForUpdate(st.name("pt_order_ledger"), []string{"shopify_updated_at"}, w), Args: p.args}
}

// LedgerUpsert writes an entry; first_seen_at keeps its first value.
func (st Statements) LedgerUpsert(e ledger.Entry) Stmt {
	payload := st.textOrNull(string(e.Payload))
	args := []any{st.text(e.Shop), st.int64(e.OrderID), st.text(e.OrderName), st.time(e.OrderDate), st.text(e.CustomerName),
		st.text(e.CustomerEmail), st.text(searchEmail(e.CustomerEmail)), st.decimal(e.Total), st.text(e.Currency),
		st.text(string(e.Status)), st.text(string(e.Severity)), st.text(e.Problem), st.int64(int64(e.Attempts)),
		st.text(e.PayloadHash), st.time(e.ShopifyUpdatedAt), st.int64OrNull(e.RunID), st.text(e.Actor), st.time(e.FirstSeenAt), st.time(e.UpdatedAt), payload}
	return Stmt{SQL: st.upsert(st.name("pt_order_ledger"), []string{"shop", "order_id"}, ledgerCols, []string{"first_seen_at"}), Args: args}
}

// LedgerEventAdd appends one step to an order's history.
func (st Statements) LedgerEventAdd(ev ledger.Event) Stmt {
	p := &params{d: st.d}
	return Stmt{SQL: st.eventInsert(p, ev), Args: p.args}
}

func (st Statements) eventInsert(p *params, ev ledger.Event) string {
	ph := []string{p.add(st.text(ev.Shop)), p.add(st.int64(ev.OrderID)), p.add(st.time(ev.At)), p.add(st.text(string(ev.Status))),
		p.add(st.text(string(ev.Severity))), p.add(st.text(ev.Message)), p.add(st.int64OrNull(ev.RunID)), p.add(st.text(ev.Actor))}
	return "INSERT INTO " + st.name("pt_ledger_events") + " (shop, order_id, event_at, status, severity, message, run_id, actor) VALUES (" +
		strings.Join(ph, ", ") + ")"
}

// LedgerWrite upserts an entry and, when ev is given, adds the event: in one statement
// where the database can run two as one (a round trip saved on every staged order).
func (st Statements) LedgerWrite(e ledger.Entry, ev *ledger.Event) []Stmt {
	upsert := st.LedgerUpsert(e)
	if ev == nil {
		return []Stmt{upsert}
	}
	p := &params{d: st.d, args: append([]any(nil), upsert.Args...)}
	if both := st.d.Combine(upsert.SQL, st.eventInsert(p, *ev)); both != "" {
		return []Stmt{{SQL: both, Args: p.args}}
	}
	return []Stmt{upsert, st.LedgerEventAdd(*ev)}
}

// LedgerEventList reads an order's history, oldest first.
func (st Statements) LedgerEventList(shop string, orderID int64) Stmt {
	p := &params{d: st.d}
	return Stmt{SQL: "SELECT shop, order_id, event_at, status, severity, message, run_id, actor FROM " + st.name("pt_ledger_events") + " WHERE shop = " +
		p.add(st.text(shop)) + " AND order_id = " + p.add(st.int64(orderID)) + " ORDER BY id", Args: p.args}
}

// ledgerSelect reads ledger entries with their header's import status. The ledger's shop
// is compared as the header's shop column compares (its type and collation, which may not
// be the ledger's), so the header's key index still serves the join.
func (st Statements) ledgerSelect(h *Table) (string, error) {
	c, err := st.headerCols(h, erp.ColShop, erp.ColWebOrderID, erp.ColImportStatus, erp.ColERPOrderNo)
	if err != nil {
		return "", err
	}
	sel := make([]string, len(ledgerCols))
	for i, n := range ledgerCols {
		sel[i] = "l." + n
	}
	return fmt.Sprintf("SELECT %s, h.%s, h.%s FROM %s l LEFT JOIN %s h ON h.%s = %s AND h.%s = l.order_id",
		strings.Join(sel, ", "), c[2], c[3], st.name("pt_order_ledger"), st.quote(h.Name), c[0],
		st.d.Compared(column(h, erp.ColShop, passthrough.KindText), "l.shop"), c[1]), nil
}

// LedgerGet reads one entry with the ERP's import status.
func (st Statements) LedgerGet(h *Table, shop string, orderID int64) (Stmt, error) {
	sel, err := st.ledgerSelect(h)
	if err != nil {
		return Stmt{}, err
	}
	p := &params{d: st.d}
	return Stmt{SQL: sel + " WHERE l.shop = " + p.add(st.text(shop)) + " AND l.order_id = " + p.add(st.int64(orderID)), Args: p.args}, nil
}

// searchEmail is the form of an email the ledger searches: lower case, and short enough for
// its index.
func searchEmail(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if r := []rune(s); len(r) > 320 {
		s = string(r[:320])
	}
	return s
}

func limit(n, def, most int) int {
	switch {
	case n <= 0:
		return def
	case n > most:
		return most
	}
	return n
}

// --- the ERP's tables ---------------------------------------------------------------------

const shipmentCols = "e.shipment_id, e.line_no, e.shop, e.web_order_id, e.item_code, e.quantity, e.tracking_number, e.carrier, e.tracking_url, e.ship_date"

// ShipmentListUnsent picks the oldest unsent shipments first, then reads all their unsent
// rows, so a shipment is never cut in two by the limit. Undated shipments count as oldest.
// t is external_order_shipments as the database describes it; when it has a line_item_id
// column, the rows carry it (otherwise they read NULL).
func (st Statements) ShipmentListUnsent(t *Table, sp erp.ShipmentListUnsentParams) Stmt {
	p := &params{d: st.d}
	shop := ""
	if sp.Shop != "" {
		shop = " AND shop = " + p.add(st.value(column(t, "shop", passthrough.KindText), sp.Shop))
	}
	n := p.add(st.int64(int64(limit(sp.Limit, 100, 10000))))
	lineCol := "NULL"
	if c, err := t.Column("line_item_id"); err == nil {
		lineCol = "e." + st.d.Quote(c.Name)
	}
	q := "SELECT " + shipmentCols + ", " + lineCol + " FROM " + st.name("external_order_shipments") + " e JOIN (" +
		"SELECT shipment_id, CASE WHEN MIN(ship_date) IS NULL THEN 0 ELSE 1 END AS dated, MIN(ship_date) AS first_date" +
		" FROM " + st.name("external_order_shipments") + " WHERE sync_status IS NULL" + shop +
		" GROUP BY shipment_id ORDER BY dated, first_date, shipment_id" + st.d.Limit(n) +
		") f ON f.shipment_id = e.shipment_id WHERE e.sync_status IS NULL" +
		" ORDER BY f.dated, f.first_date, e.shipment_id, e.line_no"
	return Stmt{SQL: q, Args: p.args}
}

// ShipmentMark writes the outcome on every row of one shipment of t
// (external_order_shipments), each value bound as its column is.
func (st Statements) ShipmentMark(t *Table, mp erp.ShipmentMarkParams) Stmt {
	p := &params{d: st.d}
	var syncError any
	if mp.Error != "" {
		syncError = mp.Error
	}
	q := "UPDATE " + st.name("external_order_shipments") + " SET sync_status = " + p.add(st.value(column(t, "sync_status", passthrough.KindText), mp.Status)) +
		", sync_error = " + p.add(st.value(column(t, "sync_error", passthrough.KindText), syncError)) +
		", synced_at = " + p.add(st.value(column(t, "synced_at", passthrough.KindTime), Normalize(mp.At)))
	return st.counted(q, "shipment_id = "+p.add(st.value(column(t, "shipment_id", passthrough.KindText), mp.ShipmentID)), p.args)
}

// CommittedColumns are the columns OrderCommittedList reads from the lines table, as the
// database names them; Warehouse is empty when the table has none.
type CommittedColumns struct {
	SKU, Quantity, Warehouse string
}

// OrderCommittedList reads the lines of staged orders whose header the ERP has not marked
// imported. It starts from the ledger's (shop, status, updated_at) index, so only staged
// orders of the window are looked at, then finds each one's header and lines by key, each
// compared as the table whose index finds it compares.
func (st Statements) OrderCommittedList(h, l *Table, c CommittedColumns, cp erp.OrderCommittedListParams) (Stmt, error) {
	hc, err := st.headerCols(h, erp.ColShop, erp.ColWebOrderID, erp.ColImportStatus)
	if err != nil {
		return Stmt{}, err
	}
	lc, err := st.headerCols(l, erp.ColShop, erp.ColWebOrderID)
	if err != nil {
		return Stmt{}, err
	}
	p := &params{d: st.d}
	wh := "NULL"
	if c.Warehouse != "" {
		wh = "d." + st.d.Quote(c.Warehouse)
	}
	where := "l.shop = " + p.add(st.text(cp.Shop)) + " AND l.status = " + p.add(st.text(string(ledger.StatusStaged)))
	if !cp.Since.IsZero() {
		where += " AND l.updated_at >= " + p.add(st.time(cp.Since))
	}
	q := fmt.Sprintf("SELECT h.%s, d.%s, %s, d.%s FROM %s l"+
		" JOIN %s h ON h.%s = %s AND h.%s = l.order_id"+
		" JOIN %s d ON d.%s = %s AND d.%s = h.%s"+
		" WHERE %s AND LTRIM(RTRIM(COALESCE(h.%s, ''))) = ''"+
		" ORDER BY h.%s, d.%s",
		hc[1], st.d.Quote(c.SKU), wh, st.d.Quote(c.Quantity), st.name("pt_order_ledger"),
		st.quote(h.Name), hc[0], st.d.Compared(column(h, erp.ColShop, passthrough.KindText), "l.shop"), hc[1],
		st.quote(l.Name), lc[0], st.d.Compared(column(l, erp.ColShop, passthrough.KindText), "h."+hc[0]), lc[1], hc[1],
		where, hc[2],
		hc[1], st.d.Quote(c.SKU))
	return Stmt{SQL: q, Args: p.args}, nil
}

// StockList reads stock rows of t (product_qty_in_stock), all or those changed at or after
// a mark, bound as the table's updated_at is so that its index serves the mark.
func (st Statements) StockList(t *Table, sp erp.StockEachParams) Stmt {
	p := &params{d: st.d}
	q := "SELECT item_code, warehouse_code, qty_on_hand, qty_committed, qty_available, updated_at FROM " + st.name("product_qty_in_stock")
	if !sp.ChangedSince.IsZero() {
		q += " WHERE updated_at >= " + p.add(st.value(column(t, "updated_at", passthrough.KindTime), Normalize(sp.ChangedSince)))
	}
	return Stmt{SQL: q + " ORDER BY item_code, warehouse_code", Args: p.args}
}

// --- executions and problems --------------------------------------------------------------

const executionCols = "id, feed, shop, run_trigger, started_at, finished_at, outcome, n_seen, n_written, n_skipped, n_retry, n_errors, error_message, owner, " +
	"rest_calls, graphql_points, budget_wait_ms, rate_limited"

// ExecutionStart records a run and answers its id.
func (st Statements) ExecutionStart(ep erp.ExecutionStartParams) Stmt {
	return Stmt{SQL: st.d.InsertID(st.name("pt_feed_executions"), []string{"feed", "shop", "run_trigger", "started_at", "outcome", "owner", "lock_token"}, "id"),
		Args: []any{st.text(ep.Feed), st.text(ep.Shop), st.text(ep.Trigger), st.time(ep.At), st.text(erp.OutcomeRunning),
			st.text(ep.Owner), st.text(ep.LockToken)}}
}

// ExecutionFinish records how a run ended.
func (st Statements) ExecutionFinish(ep erp.ExecutionFinishParams) Stmt {
	p := &params{d: st.d}
	c := ep.Counts
	q := "UPDATE " + st.name("pt_feed_executions") + " SET finished_at = " + p.add(st.time(ep.At)) + ", outcome = " + p.add(st.text(ep.Outcome)) +
		", n_seen = " + p.add(st.int64(int64(c.Seen))) + ", n_written = " + p.add(st.int64(int64(c.Written))) + ", n_skipped = " + p.add(st.int64(int64(c.Skipped))) +
		", n_retry = " + p.add(st.int64(int64(c.Retry))) + ", n_errors = " + p.add(st.int64(int64(c.Errors))) +
		", error_message = " + p.add(st.text(ep.Error)) + st.usageSet(p, ep.Usage)
	return st.counted(q, "id = "+p.add(st.int64(ep.ID)), p.args)
}

// ExecutionGet reads one run.
func (st Statements) ExecutionGet(id int64) Stmt {
	p := &params{d: st.d}
	return Stmt{SQL: "SELECT " + executionCols + " FROM " + st.name("pt_feed_executions") + " WHERE id = " + p.add(st.int64(id)), Args: p.args}
}

// ExecutionList pages through runs newest first.
func (st Statements) ExecutionList(lp erp.ExecutionListParams) Stmt {
	p := &params{d: st.d}
	var where []string
	if lp.Shop != "" {
		where = append(where, "shop = "+p.add(st.text(lp.Shop)))
	}
	if lp.Feed != "" {
		where = append(where, "feed = "+p.add(st.text(lp.Feed)))
	}
	if lp.BeforeID > 0 {
		where = append(where, "id < "+p.add(st.int64(lp.BeforeID)))
	}
	q := "SELECT " + executionCols + " FROM " + st.name("pt_feed_executions")
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	return Stmt{SQL: q + " ORDER BY id DESC" + st.d.Limit(p.add(st.int64(int64(limit(lp.Limit, 50, 1000))))), Args: p.args}
}

// ProblemAdd records one record problem, in its class.
func (st Statements) ProblemAdd(pr erp.Problem) Stmt {
	p := &params{d: st.d}
	ph := []string{p.add(st.int64OrNull(pr.ExecutionID)), p.add(st.text(pr.Feed)), p.add(st.text(pr.Shop)), p.add(st.text(pr.RecordKey)),
		p.add(st.text(string(pr.Severity))), p.add(st.text(pr.Message)), p.add(st.time(pr.At)), p.add(st.int64OrNull(pr.ClassID))}
	return Stmt{SQL: "INSERT INTO " + st.name("pt_problems") + " (execution_id, feed, shop, record_key, severity, message, found_at, class_id) VALUES (" +
		strings.Join(ph, ", ") + ")", Args: p.args}
}

// ProblemList pages through problems newest first.
func (st Statements) ProblemList(lp erp.ProblemListParams) Stmt {
	p := &params{d: st.d}
	var where []string
	if lp.Shop != "" {
		where = append(where, "shop = "+p.add(st.text(lp.Shop)))
	}
	if lp.ExecutionID != 0 {
		where = append(where, "execution_id = "+p.add(st.int64(lp.ExecutionID)))
	}
	if lp.Feed != "" {
		where = append(where, "feed = "+p.add(st.text(lp.Feed)))
	}
	if lp.RecordKey != "" {
		where = append(where, "record_key = "+p.add(st.text(lp.RecordKey)))
	}
	if lp.BeforeID > 0 {
		where = append(where, "id < "+p.add(st.int64(lp.BeforeID)))
	}
	q := "SELECT id, execution_id, feed, shop, record_key, severity, message, found_at, class_id FROM " + st.name("pt_problems")
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	return Stmt{SQL: q + " ORDER BY id DESC" + st.d.Limit(p.add(st.int64(int64(limit(lp.Limit, 100, 1000))))), Args: p.args}
}

// --- watermarks, inventory, settings ------------------------------------------------------

// WatermarkGet reads a feed's watermark.
func (st Statements) WatermarkGet(shop, feed string) Stmt {
	p := &params{d: st.d}
	return Stmt{SQL: "SELECT mark_at FROM " + st.name("pt_watermarks") + " WHERE shop = " + p.add(st.text(shop)) + " AND feed = " + p.add(st.text(feed)), Args: p.args}
}

// WatermarkSet writes a feed's watermark.
func (st Statements) WatermarkSet(shop, feed string, at time.Time) Stmt {
	return Stmt{SQL: st.upsert(st.name("pt_watermarks"), []string{"shop", "feed"}, []string{"shop", "feed", "mark_at"}, nil),
		Args: []any{st.text(shop), st.text(feed), st.time(at)}}
}

// InventorySentList reads what Shopify last got, per item and location.
func (st Statements) InventorySentList(shop string) Stmt {
	p := &params{d: st.d}
	return Stmt{SQL: "SELECT shop, sku, inventory_item_id, location_id, available, sent_at, dry_run FROM " + st.name("pt_inventory_sent") + " WHERE shop = " +
		p.add(st.text(shop)) + " ORDER BY sku, inventory_item_id, location_id", Args: p.args}
}

// InventorySentPut records one level.
func (st Statements) InventorySentPut(l erp.InventorySent) Stmt {
	return Stmt{SQL: st.upsert(st.name("pt_inventory_sent"), []string{"shop", "inventory_item_id", "location_id"},
		[]string{"shop", "inventory_item_id", "location_id", "sku", "available", "sent_at", "dry_run"}, nil),
		Args: []any{st.text(l.Shop), st.int64(l.InventoryItemID), st.int64(l.LocationID), st.text(l.SKU), st.int64(l.Available), st.time(l.SentAt), st.bool(l.DryRun)}}
}

// InventoryCheckUpsert records the shop's last stock check.
func (st Statements) InventoryCheckUpsert(c erp.InventoryCheck) Stmt {
	return Stmt{SQL: st.upsert(st.name("pt_inventory_checks"), []string{"shop"}, []string{"shop", "checked_at", "levels", "drifted"}, nil),
		Args: []any{st.text(c.Shop), st.time(c.CheckedAt), st.int64(int64(c.Levels)), st.int64(int64(len(c.Drift)))}}
}

// InventoryDriftDelete removes a shop's drift rows.
func (st Statements) InventoryDriftDelete(shop string) Stmt {
	p := &params{d: st.d}
	return Stmt{SQL: "DELETE FROM " + st.name("pt_inventory_drift") + " WHERE shop = " + p.add(st.text(shop)), Args: p.args}
}

// driftCols are pt_inventory_drift's columns, in the order InventoryDriftInsert binds them.
const driftCols = "shop, inventory_item_id, location_id, sku, erp_available, shopify_available, last_sent"

// InventoryDriftInsert inserts drift rows in one statement.
func (st Statements) InventoryDriftInsert(shop string, rows []erp.InventoryDrift) Stmt {
	args := make([]any, 0, len(rows)*7)
	for _, r := range rows {
		last := st.int64OrNull(0)
		if r.LastSent != nil {
			last = st.int64(*r.LastSent)
		}
		args = append(args, st.text(shop), st.int64(r.InventoryItemID), st.int64(r.LocationID), st.text(r.SKU), st.int64(r.ERP), st.int64(r.Shopify), last)
	}
	q := st.cached("drift", st.name("pt_inventory_drift"), nil, []string{strconv.Itoa(len(rows))}, nil, func() string {
		p := &params{d: st.d}
		values := make([]string, len(rows))
		for i := range rows {
			ph := make([]string, 7)
			for j := range ph {
				ph[j] = p.add(nil)
			}
			values[i] = "(" + strings.Join(ph, ", ") + ")"
		}
		return "INSERT INTO " + st.name("pt_inventory_drift") + " (" + driftCols + ") VALUES " + strings.Join(values, ", ")
	})
	return Stmt{SQL: q, Args: args}
}

// InventoryCheckGet reads the shop's last stock check.
func (st Statements) InventoryCheckGet(shop string) Stmt {
	p := &params{d: st.d}
	return Stmt{SQL: "SELECT checked_at, levels FROM " + st.name("pt_inventory_checks") + " WHERE shop = " + p.add(st.text(shop)), Args: p.args}
}

// InventoryDriftList reads the shop's drift rows by SKU and location.
func (st Statements) InventoryDriftList(shop string) Stmt {
	p := &params{d: st.d}
	return Stmt{SQL: "SELECT sku, inventory_item_id, location_id, erp_available, shopify_available, last_sent FROM " + st.name("pt_inventory_drift") + " WHERE shop = " +
		p.add(st.text(shop)) + " ORDER BY sku, inventory_item_id, location_id", Args: p.args}
}

// SettingGet reads one setting.
func (st Statements) SettingGet(name string) Stmt {
	p := &params{d: st.d}
	return Stmt{SQL: "SELECT value FROM " + st.name("pt_settings") + " WHERE name = " + p.add(st.text(name)), Args: p.args}
}

// SettingSet writes one setting.
func (st Statements) SettingSet(name, value string) Stmt {
	return Stmt{SQL: st.upsert(st.name("pt_settings"), []string{"name"}, []string{"name", "value"}, nil),
		Args: []any{st.text(name), st.text(value)}}
}
