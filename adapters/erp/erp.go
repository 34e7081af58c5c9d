// Package erp is the seam between passthrough and the ERP's database: the staging tables the
// ERP imports from (s_orders, s_order_details), the tables it fills for us
// (external_order_shipments, product_qty_in_stock), and passthrough's own pt_ bookkeeping,
// which lives in the same database.
//
// Store is made of five roles (Staging, Ledger, Executions, Bookkeeping, Locks), so a caller can
// take the part it uses. What the order ledger means — its statuses, who acted — is package
// ledger's; this package only keeps it. Store is implemented once per database, in a package
// of its own beside this one (erpsqlite, erppostgres, erpmssql), and every implementation
// passes the one conformance suite in erptest. Callers see only this package's types and
// sentinel errors, never a driver's; erpopen picks the implementation from the configured
// driver name.
//
// Conventions every implementation keeps:
//   - Times are written and read in UTC, truncated to the millisecond, which every dialect
//     stores exactly (SQL Server datetime2(3)); a value read back equals the value written.
//   - Money and quantities are decimal.Decimal, stored as exact decimals (never floats).
//   - Column names that come from a mapping are checked against the real table before they
//     are put in SQL, and quoted; values are always parameters.
//   - Write transactions that fail for a passing reason (deadlock, busy database) are retried
//     by the store itself a few times before ErrRetryable reaches the caller.
package erp

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/shopspring/decimal"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/ledger"
	"github.com/passthrough-dev/passthrough/record"
)

// Sentinel errors every dialect maps its driver's errors onto.
var (
	// ErrNotFound: the row (or table) asked for does not exist.
	ErrNotFound = errors.New("not found")
	// ErrDuplicate: a unique key was violated (SQL Server 2627/2601, PostgreSQL 23505,
	// SQLite constraint unique).
	ErrDuplicate = errors.New("duplicate key")
	// ErrRetryable: the operation failed for a reason that passes (deadlock, lock timeout,
	// busy database, lost connection); trying again later is right.
	ErrRetryable = errors.New("temporary database failure")
	// ErrImported: the ERP has already imported the order (its import status is set), so the
	// staged rows must not be overwritten.
	ErrImported = errors.New("already imported by the ERP")
	// ErrUnknownColumn: a column named by a mapping is not in the real table.
	ErrUnknownColumn = errors.New("unknown column")
	// ErrInvalidValue: a value does not fit its column (too long, NULL where the column
	// allows none, a type the column cannot hold). The record needs a person; nothing of it
	// was written, and the database is fine.
	ErrInvalidValue = errors.New("invalid value")
	// ErrDenied: the database refused the login or a permission (SQL Server 18456, 229,
	// 262; PostgreSQL 28P01, 42501). Trying again does not help: the credentials or the
	// grants must be fixed (adapters/erp/README.md lists the grants passthrough needs).
	ErrDenied = errors.New("access denied")
	// ErrOutdated: the order given is an older version (by Shopify's updated_at) than the
	// one the ledger records: another process staged a newer one meanwhile. Nothing changed.
	ErrOutdated = errors.New("older than the version staged")
)

// Columns of the order header table that are part of the contract with the ERP, whatever
// the table is called: the key passthrough finds an order by, and the columns the ERP fills
// when it imports one.
const (
	ColShop         = "shop"
	ColWebOrderID   = "web_order_id"
	ColImportStatus = "import_status"
	ColImportError  = "import_error"
	ColERPOrderNo   = "erp_order_no"
	// ColCreatedAt and ColUpdatedAt are set by the store when the table has them; values the
	// mapping gives for them are replaced.
	ColCreatedAt = "created_at"
	ColUpdatedAt = "updated_at"
	// ColRefundID names a refund in the refunds table, which also has ColShop,
	// ColWebOrderID and ColImportStatus.
	ColRefundID = "refund_id"
)

// DefaultHeaderTable is the order header table the ledger reads the ERP's import status from
// unless WithHeaderTable says otherwise.
const DefaultHeaderTable = "s_orders"

// Options are the settings every dialect's Open takes.
type Options struct {
	// Logger receives retries and other events worth a line; nothing when nil.
	Logger *slog.Logger
	// Now is the store's clock for the times it sets itself (ledger, created_at/updated_at).
	Now func() time.Time
	// HeaderTable is the staging header joined to the ledger for the ERP's import status.
	HeaderTable string
	// Schema is the schema passthrough works in: the staging tables mappings name, the
	// default staging tables and passthrough's own pt_ tables are all found (and created by
	// Migrate) there. Empty for the connection's own (the SQL Server login's default schema,
	// PostgreSQL's search_path). SQLite has none.
	Schema string
}

// Option changes one of the Options.
type Option func(*Options)

// WithLogger sends the store's log lines to l.
func WithLogger(l *slog.Logger) Option { return func(o *Options) { o.Logger = l } }

// WithClock replaces time.Now, so tests can give the ledger exact times.
func WithClock(now func() time.Time) Option { return func(o *Options) { o.Now = now } }

// WithSchema makes the store work in schema (config's erp.schema) instead of the
// connection's default one.
func WithSchema(schema string) Option { return func(o *Options) { o.Schema = schema } }

// WithHeaderTable names the order header table when a mapping writes headers somewhere other
// than s_orders. It must have the Col* columns above.
func WithHeaderTable(name string) Option { return func(o *Options) { o.HeaderTable = name } }

// NewOptions applies opts over the defaults: no logging, time.Now, s_orders.
func NewOptions(opts ...Option) Options {
	o := Options{HeaderTable: DefaultHeaderTable, Now: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.HeaderTable == "" {
		o.HeaderTable = DefaultHeaderTable
	}
	return o
}

// Dialect names a database. Conformance tests branch on it where databases really differ and
// fail on a dialect they do not know, so a new dialect has to declare itself.
type Dialect string

const (
	DialectSQLite    Dialect = "sqlite"
	DialectPostgres  Dialect = "postgres"
	DialectSQLServer Dialect = "sqlserver"
)

// Store is everything passthrough does with the database: the five roles below (Locks in
// locks.go), and the schema. Callers take the roles they use, or fewer methods still; only
// the one place that wires everything together (app) holds a whole Store.
type Store interface {
	Dialect() Dialect
	// Migrate creates or updates the default staging tables and the pt_ tables, and says
	// which migrations it applied. Running it twice changes nothing. Staging tables the ERP
	// already has are left as they are.
	Migrate(ctx context.Context) (MigrateResult, error)
	Close() error

	Staging
	Ledger
	Executions
	Bookkeeping
	Webhooks
	Privacy
	Locks
	Audit
	Accounts
	Alerts
	Overview
}

// Staging is the ERP's side of the database: the staging tables passthrough writes orders
// into, and the tables the ERP fills for it (shipments to send, stock).
type Staging interface {
	// TableColumns reports the real columns of a table (INFORMATION_SCHEMA, PRAGMA), so a
	// mapping's target columns are checked before anything is written. ErrNotFound when the
	// table does not exist. The answer is cached per table until the next Migrate, so a
	// column the ERP adds later is seen after a restart.
	TableColumns(ctx context.Context, table string) ([]passthrough.Column, error)
	// TableColumnsNow is TableColumns read from the database now, replacing what was
	// cached: a mapping saved while passthrough runs is checked, and then staged, against
	// the table as it is (the ERP may have added a column for it).
	TableColumnsNow(ctx context.Context, table string) ([]passthrough.Column, error)

	// OrderStage writes one order in one transaction: the header is inserted or updated by
	// its key, the order's lines are replaced (never added to: the old lines are deleted by
	// the header's key), and the ledger entry and a ledger event are written with them, so
	// the ledger never says "staged" for rows that are not there. ErrImported, and nothing
	// changed, when the header exists and the ERP has already imported it. A line that
	// fails rolls the whole order back. Two callers staging the same order at once end with
	// one header and one set of lines. ErrOutdated, and nothing changed, when the ledger
	// records a newer Shopify updated_at for the order than p.Ledger's: whichever process
	// stages last, an older version never replaces a newer one. The header table needs the
	// ColImportStatus column, a unique key on Header.Key, and the lines table the header's
	// key columns. A table or column the database lacks is ErrUnknownColumn (the mapping's
	// mistake), never ErrNotFound.
	OrderStage(ctx context.Context, p OrderStageParams) error
	// OrderHeaderUpdate sets some columns of an existing header (for example the
	// cancellation columns) and writes the ledger entry, in one transaction. ErrNotFound
	// when there is no such header, ErrImported when the ERP has imported it.
	OrderHeaderUpdate(ctx context.Context, p OrderHeaderUpdateParams) error
	// OrderImportStatusList reads back what the ERP wrote on the headers of the given orders.
	OrderImportStatusList(ctx context.Context, p OrderImportStatusListParams) ([]OrderImportStatus, error)

	// RefundStage writes a refund that came after its order was staged: its rows into the
	// refunds table, the refund recorded as staged, and a ledger event on its order, in one
	// transaction, so the ERP gets it exactly once. ErrDuplicate, and nothing written, when
	// the refund was staged or absorbed before (however long ago, and even when the ERP has
	// cleared its rows since).
	RefundStage(ctx context.Context, p RefundStageParams) error
	// OrderRefundIDs lists, ascending, the refunds of an order that were staged or absorbed.
	OrderRefundIDs(ctx context.Context, shop string, orderID int64) ([]int64, error)

	// ShipmentListUnsent returns rows of external_order_shipments not yet sent (sync_status
	// NULL): the rows of at most Limit shipments, oldest shipment (earliest ship_date, then
	// shipment id) first, each shipment's rows together in line order. A shipment is never
	// split across two calls.
	ShipmentListUnsent(ctx context.Context, p ShipmentListUnsentParams) ([]record.ShipmentRow, error)
	// ShipmentMark writes sync_status, sync_error and synced_at on every row of a shipment.
	// ErrNotFound when the shipment has no rows.
	ShipmentMark(ctx context.Context, p ShipmentMarkParams) error
	// ShipmentListTest returns the rows (at most 1,000) of a shop's shipments handled in test
	// mode (sync_status test), oldest first: what going live may send.
	ShipmentListTest(ctx context.Context, shop string) ([]record.ShipmentRow, error)
	// ShipmentRelease sets a shop's shipments handled in test mode back to unsent (sync_status
	// NULL), so the shipments feed sends them on its next run, and says how many rows.
	ShipmentRelease(ctx context.Context, shop string) (int, error)
	// OrderCommittedList returns the lines of orders staged but not yet imported by the ERP
	// (ledger status staged and the header's import status blank) whose ledger entry was
	// updated at or after Since: units Shopify has sold that the ERP's stock does not count
	// yet. Lines come by order, in the lines table's order.
	OrderCommittedList(ctx context.Context, p OrderCommittedListParams) ([]CommittedLine, error)

	// StockEach calls fn for every row of product_qty_in_stock (those with updated_at at or
	// after ChangedSince, when given: at, not after, so a row written in the same millisecond
	// as the mark is not missed), ordered by item and warehouse, without holding them all in
	// memory. An error from fn stops the walk and is returned. fn must not wait on another
	// call to the store that needs the same connection; on an in-memory SQLite database
	// (one connection) it must not call the store at all.
	StockEach(ctx context.Context, p StockEachParams, fn func(record.Stock) error) error

	// OrderStagedGet reads one order as the staging tables hold it now: the header row and
	// the lines, every column the tables have, with the values as the database holds them
	// (text, whole numbers, exact decimals, UTC times, flags), and what the ERP wrote on
	// them. ErrNotFound when the header table has no row of the order.
	OrderStagedGet(ctx context.Context, p OrderStagedGetParams) (*passthrough.OrderRows, error)
	// ShipmentList reads rows of external_order_shipments, with their sync status, error
	// and time, for people.
	ShipmentList(ctx context.Context, p ShipmentListParams) ([]record.ShipmentRow, error)
	// ShipmentRetry sets a shop's shipment whose rows are marked error or test back to
	// unsent, so the shipments feed sends it on its next run, and says how many rows.
	// ErrNotFound when the shipment has no such rows (unknown, unsent, sent or skipped).
	ShipmentRetry(ctx context.Context, shop, shipmentID string) (int, error)
}

// Ledger keeps the order ledger (package ledger says what it means): an entry per order
// seen, and each order's history of events.
type Ledger interface {
	// LedgerPut records an order that was seen but not staged (waiting, skipped, failed), or
	// an operator's decision (excluded). It replaces the entry (FirstSeenAt and UpdatedAt are
	// the store's) and adds a ledger event when status, severity or problem changed, so an
	// order re-seen every run does not flood its history. ErrInvalidValue for an entry
	// without a shop, an order id or a known status.
	LedgerPut(ctx context.Context, e ledger.Entry) error
	// LedgerGet returns one entry with the ERP's import status; ErrNotFound when unknown.
	LedgerGet(ctx context.Context, shop string, orderID int64) (ledger.Entry, error)
	// LedgerList pages through one shop's ledger by keyset, most recently updated first (by
	// order date with a date range), with filters; each filter is served by an index, so a
	// page costs the same on a million entries. ErrInvalidValue without a shop.
	LedgerList(ctx context.Context, p LedgerListParams) ([]ledger.Entry, error)
	// LedgerEventList is an order's history, oldest first: every status change with its
	// message and who made it.
	LedgerEventList(ctx context.Context, shop string, orderID int64) ([]ledger.Event, error)
	// LedgerEventAdd adds a step to an order's history without changing its entry: an
	// operator's action that changed nothing is still history. ErrNotFound for an order the
	// ledger does not know.
	LedgerEventAdd(ctx context.Context, ev ledger.Event) error
	// LedgerCount counts the entries LedgerList pages through with p's filters (After is
	// ignored), no further than p.Limit (0 means 10,000): an answer of p.Limit means at
	// least that many. It reads the same indexes as LedgerList, so its cost is bounded by
	// the limit however large the ledger.
	LedgerCount(ctx context.Context, p LedgerListParams) (int, error)
	// LedgerStatusCounts counts one shop's entries by status, and those the ERP has
	// imported (their header's import status is set): what a mapping change would touch.
	LedgerStatusCounts(ctx context.Context, shop string) (LedgerCounts, error)
}

// LedgerCounts counts a shop's ledger entries.
type LedgerCounts struct {
	ByStatus map[ledger.Status]int
	// Imported counts the entries whose staged header the ERP has imported.
	Imported int
}

// Executions records the runs of the feeds and the record problems each run found.
type Executions interface {
	// ExecutionStart records a feed run as RUNNING and returns it with its id.
	ExecutionStart(ctx context.Context, p ExecutionStartParams) (Execution, error)
	// ExecutionFinish records the end of a run; ErrNotFound for an unknown id.
	ExecutionFinish(ctx context.Context, p ExecutionFinishParams) error
	ExecutionGet(ctx context.Context, id int64) (Execution, error)
	// ExecutionList pages through runs newest first.
	ExecutionList(ctx context.Context, p ExecutionListParams) ([]Execution, error)
	// ProblemAdd records a record problem: in its class (by feed, severity and template,
	// counted and dated) and, for severities retry and error, as the record's open problem,
	// all in one transaction.
	ProblemAdd(ctx context.Context, p Problem) error
	// ProblemList pages through record problems newest first.
	ProblemList(ctx context.Context, p ProblemListParams) ([]Problem, error)
	// ProblemClassList lists a shop's problem classes, the most recently seen first, with
	// their counts.
	ProblemClassList(ctx context.Context, p ProblemClassListParams) ([]ProblemClass, error)
	// ProblemClassGet reads one class of a shop; ErrNotFound when it has none of that id.
	ProblemClassGet(ctx context.Context, shop string, id int64) (ProblemClass, error)
	// ProblemRecordList lists records' problems, the most recently seen first.
	ProblemRecordList(ctx context.Context, p ProblemRecordListParams) ([]ProblemRecord, error)
	// ProblemResolve ends the open problems p selects, and says how many.
	ProblemResolve(ctx context.Context, p ProblemResolveParams) (int, error)
	// ExecutionCloseStale closes as FAILED, with p.Error, the RUNNING executions of the
	// given feeds of a shop whose last heartbeat (by the database's clock) is more than
	// p.After old: runs whose process died or lost the database. Each ends at its last
	// heartbeat, the last moment it was known to run. A run whose owner still heartbeats
	// is never closed. It answers how many it closed.
	ExecutionCloseStale(ctx context.Context, p ExecutionCloseStaleParams) (int, error)
	// ExecutionUsageList returns what a shop's runs started at or after since cost of its
	// Shopify API budget, oldest first, at most 20,000 runs (a week of every feed of a
	// store every minute): the budget meter adds them up by hour and by feed.
	ExecutionUsageList(ctx context.Context, shop string, since time.Time) ([]RunUsage, error)
}

// RunUsage is what one run cost of the store's Shopify API budget.
type RunUsage struct {
	ExecutionID int64
	Feed        string
	StartedAt   time.Time
	Usage       passthrough.APIUsage
}

// Bookkeeping is the rest of what passthrough keeps for itself: how far each feed has come,
// what Shopify last got of the stock and how the last stock check went, and settings.
type Bookkeeping interface {
	// WatermarkGet returns ErrNotFound before the first run.
	WatermarkGet(ctx context.Context, shop, feed string) (time.Time, error)
	WatermarkSet(ctx context.Context, shop, feed string, at time.Time) error

	// InventorySentList returns what Shopify last got, per inventory item and location.
	InventorySentList(ctx context.Context, shop string) ([]InventorySent, error)
	// InventorySentPut records levels Shopify accepted (or, in test mode, would have got),
	// all in one transaction.
	InventorySentPut(ctx context.Context, levels []InventorySent) error

	// InventoryCheckPut records a stock check, replacing the shop's previous check and its
	// drift rows, in one transaction.
	InventoryCheckPut(ctx context.Context, c InventoryCheck) error
	// InventoryCheckGet returns the shop's last stock check with its drift rows, by SKU and
	// location; ErrNotFound before the first check.
	InventoryCheckGet(ctx context.Context, shop string) (InventoryCheck, error)

	// SettingGet returns ErrNotFound for a key never set.
	SettingGet(ctx context.Context, key string) (string, error)
	SettingSet(ctx context.Context, key, value string) error

	// CompletenessPut records the completeness check of some days, replacing what an
	// earlier check said about the same days, in one transaction.
	CompletenessPut(ctx context.Context, days []CompletenessDay) error
	// CompletenessList returns a shop's checked days, the most recent day first, at most
	// Limit of them (0 means 31).
	CompletenessList(ctx context.Context, shop string, limit int) ([]CompletenessDay, error)

	// ShipmentFulfillmentAdd records a fulfillment the shipments feed created for a
	// shipment; recording it again changes nothing.
	ShipmentFulfillmentAdd(ctx context.Context, f ShipmentFulfillment) error
	// ShipmentFulfillmentList reads the fulfillments created for some shipments of a shop,
	// by shipment and fulfillment id.
	ShipmentFulfillmentList(ctx context.Context, shop string, shipmentIDs []string) ([]ShipmentFulfillment, error)
}

// MigrateResult says what Migrate did.
type MigrateResult struct {
	// Applied names the migrations run now, in order; empty when the database was current.
	Applied []string
	// Version is the schema version after migrating.
	Version int64
}

// OrderStageParams is one order's rows, exactly as the mapping produced them, and the
// ledger entry written with them.
type OrderStageParams struct {
	passthrough.OrderRows // each line carries the header's key columns (filled in when left out)
	// Ledger is written with the rows; its Status defaults to ledger.StatusStaged, and the
	// event says "staged with N lines" unless Problem says otherwise.
	Ledger ledger.Entry
	// Refunds are the order's refunds its rows account for.
	Refunds OrderRefunds
}

// OrderRefunds are the refunds an order's staged rows already account for: their lines were
// refunded before the order was staged (or staged again), so the rows leave them out. They
// are recorded as absorbed, so they never go to the refunds table; rows of them that went
// there before and that the ERP has not imported are withdrawn, since the order's new rows
// count them now.
type OrderRefunds struct {
	Table passthrough.Table // the refunds table; empty when the mapping stages no refunds
	IDs   []int64
}

// RefundStageParams is one refund's rows, exactly as the mapping produced them, with its
// order's ledger entry (the event says how many rows were staged).
type RefundStageParams struct {
	Table    passthrough.Table
	Rows     []passthrough.Row
	Shop     string
	OrderID  int64
	RefundID int64
	Ledger   ledger.Entry
}

// OrderHeaderUpdateParams changes some columns of one staged header.
type OrderHeaderUpdateParams struct {
	Header passthrough.Table
	Row    passthrough.Row // the key columns and the columns to set
	Ledger ledger.Entry    // needs a Status; an event is always added
}

// OrderImportStatusListParams selects headers by Shopify order id.
type OrderImportStatusListParams struct {
	Header   passthrough.Table // its Name; empty for the store's header table
	Shop     string
	OrderIDs []int64 // the answer keeps this order and leaves out orders without a header
}

// OrderImportStatus is what the ERP side wrote back on a staged header.
type OrderImportStatus struct {
	OrderID      int64
	ImportStatus string // empty until the ERP imports the order
	ImportError  string
	ERPOrderNo   string
}

// Imported reports whether the ERP has taken the order.
func (s OrderImportStatus) Imported() bool { return s.ImportStatus != "" }

type ShipmentListUnsentParams struct {
	Shop  string // empty for every shop
	Limit int    // shipments, not rows; 0 means 100
}

// ShipmentMarkParams writes the outcome on every row of one shipment.
type ShipmentMarkParams struct {
	ShipmentID string
	Status     string // ShipmentSent, ShipmentError, ShipmentSkipped or ShipmentTest
	Error      string
	At         time.Time
}

// The sync statuses a shipment's rows can have; NULL is "not sent yet".
const (
	ShipmentSent  = "sent"
	ShipmentError = "error"
	// ShipmentSkipped marks a shipment a mapping rule keeps from Shopify with severity info
	// (a business rule, nothing to do); sync_error says which.
	ShipmentSkipped = "skipped"
	// ShipmentTest marks a shipment handled in test mode: nothing went to Shopify, and
	// sync_error says what would have. The feed leaves it alone after; setting sync_status
	// back to NULL sends it on the next run.
	ShipmentTest = "test"
)

// OrderCommittedListParams selects the lines of staged orders the ERP has not imported.
// The lines table must have the header's shop and web_order_id columns.
type OrderCommittedListParams struct {
	Shop  string
	Since time.Time // ledger entries updated at or after; zero for every staged order
	// Lines is the order lines table (empty for s_order_details), and SKU, Quantity and
	// Warehouse its columns (empty for item_code, quantity and warehouse_code). A table
	// without the default warehouse column reads as lines without a warehouse.
	Lines     string
	SKU       string
	Quantity  string
	Warehouse string
}

// CommittedLine is one line of a staged order the ERP has not imported yet.
type CommittedLine struct {
	OrderID   int64
	SKU       string
	Warehouse string // empty when the line names none
	Quantity  decimal.Decimal
}

type StockEachParams struct {
	ChangedSince time.Time // zero for every row
}

// LedgerListParams filters and pages the ledger. Pages are keyset: pass the previous page's
// last entry's Cursor() as After. Entries come most recently updated first, or, when a date
// range is given, by order date, newest first, so that every page is read in index order.
// Empty fields other than Shop do not filter.
type LedgerListParams struct {
	Shop     string // required: every index of the ledger leads with it
	Status   ledger.Status
	Severity passthrough.Severity
	From, To time.Time // on OrderDate: From <= order date < To
	// Search matches an order name exactly, with or without its "#" ("1001" finds "#1001"),
	// the start of the customer's email, ignoring case ("ANN@" finds "ann@example.com"), the
	// Shopify order id, the ERP's order number (the header's erp_order_no), or whole words
	// of the customer's name and the lines' SKUs, ignoring case and accents ("muller" finds
	// "Jörg Müller"; every word of the search must match, see ledger.SearchTerms). Each is
	// an index lookup, so a search stays fast on a million entries; its results come by
	// Shopify order id, newest first.
	Search string
	After  *ledger.Cursor
	Limit  int // 0 means 50; at most 1000
}

// Outcomes of a feed execution.
const (
	OutcomeRunning           = "RUNNING"
	OutcomeFinished          = "FINISHED"
	OutcomeFinishedPartially = "FINISHED_PARTIALLY"
	OutcomeFailed            = "FAILED"
)

// Execution is one run of a feed.
type Execution struct {
	ID         int64
	Feed       string
	Shop       string
	Trigger    string // schedule, manual, daily, backfill, cli
	StartedAt  time.Time
	FinishedAt time.Time
	Outcome    string
	Counts     ExecutionCounts
	Error      string // why a FAILED run failed
	// Owner is the process that ran it (Owner.String()); empty for runs recorded before
	// processes were told apart.
	Owner string
	// Usage is what the run cost of the store's Shopify API budget.
	Usage passthrough.APIUsage
}

// ExecutionCounts counts the records of one run by what happened to them.
type ExecutionCounts struct {
	Seen    int
	Written int // staged, sent
	Skipped int // info
	Retry   int
	Errors  int
}

type ExecutionStartParams struct {
	Feed    string
	Shop    string
	Trigger string
	At      time.Time
	Owner   string // Owner.String() of the process
	// LockToken is the token of the feed lock the run holds, whose renewals heartbeat the
	// execution; empty for a run without one (its heartbeat is its start).
	LockToken string
}

type ExecutionFinishParams struct {
	ID      int64
	At      time.Time
	Outcome string
	Counts  ExecutionCounts
	Error   string
	Usage   passthrough.APIUsage
}

type ExecutionListParams struct {
	Shop     string // empty for every shop
	Feed     string // empty for every feed
	BeforeID int64  // keyset: 0 for the newest
	Limit    int    // 0 means 50
}

// Problem is one record problem found by one execution.
type Problem struct {
	ID          int64 // set by the store
	ExecutionID int64 // 0 when no run found it (an operator, a check)
	Feed        string
	Shop        string
	RecordKey   string // order id, shipment id, SKU@location
	Severity    passthrough.Severity
	Message     string
	// Template is the message with what is particular to the record masked
	// (errclass.Template): problems of a feed with the same severity and template are one
	// class. Empty for the message itself.
	Template string
	ClassID  int64 // set by the store
	At       time.Time
}

// ProblemListParams filters problems; empty fields do not filter.
type ProblemListParams struct {
	Shop        string
	ExecutionID int64
	Feed        string
	RecordKey   string
	BeforeID    int64 // keyset: 0 for the newest
	Limit       int   // 0 means 100
}

// CompletenessDay is what the completeness check found for one day of a shop's orders: the
// orders Shopify has that were placed that day (in the shop's time zone), those the ledger
// did not have at all (missing) or had in an older version (late), and how many of these the
// check imported.
type CompletenessDay struct {
	Shop          string
	Day           string // YYYY-MM-DD, in the shop's time zone
	CheckedAt     time.Time
	ShopifyOrders int
	Missing       int
	Late          int
	Imported      int
}

// InventorySent is the level Shopify last got for one inventory item at one location.
type InventorySent struct {
	Shop            string
	SKU             string
	InventoryItemID int64
	LocationID      int64
	Available       int64
	SentAt          time.Time
	DryRun          bool // recorded in test mode: what would have been sent
}

// InventoryCheck is one stock check: Shopify's levels compared with what the ERP says they
// should be.
type InventoryCheck struct {
	Shop      string
	CheckedAt time.Time
	Levels    int // levels compared
	Drift     []InventoryDrift
}

// InventoryDrift is one level where Shopify holds something other than what the ERP says.
type InventoryDrift struct {
	SKU             string
	InventoryItemID int64
	LocationID      int64
	ERP             int64  // what Shopify should hold, from the ERP's stock
	Shopify         int64  // what Shopify held at the check
	LastSent        *int64 // what passthrough last sent; nil when it never sent this level
}
