// Package erp is the seam between passthrough and the ERP's database: the staging tables the
// ERP imports from (s_orders, s_order_details), the tables it fills for us
// (external_order_shipments, product_qty_in_stock), and passthrough's own pt_ bookkeeping,
// which lives in the same database.
//
// Store is implemented once per database, in a package of its own beside this one (erpsqlite,
// erppostgres, erpmssql), and every implementation passes the one conformance suite in
// erptest. Callers see only this package's types and sentinel errors, never a driver's.
//
// DRAFT CONTRACT: the shape below is what the feeds and the portal are written against. The
// dialect work may refine it (add methods, add fields); changes of meaning go in its commit.
package erp

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/shopspring/decimal"

	"github.com/passthrough-dev/passthrough"
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
)

// Dialect names a database. Conformance tests branch on it where databases really differ and
// fail on a dialect they do not know, so a new dialect has to declare itself.
type Dialect string

const (
	DialectSQLite    Dialect = "sqlite"
	DialectPostgres  Dialect = "postgres"
	DialectSQLServer Dialect = "sqlserver"
)

// Store is everything the feeds and the portal do with the database.
type Store interface {
	Dialect() Dialect
	// Migrate creates or updates the default staging tables and the pt_ tables. Running it
	// twice changes nothing.
	Migrate(ctx context.Context) error
	Close() error

	// TableColumns reports the real columns of a table (INFORMATION_SCHEMA, PRAGMA), so a
	// mapping's target columns are checked before anything is written. ErrNotFound when the
	// table does not exist.
	TableColumns(ctx context.Context, table string) ([]passthrough.Column, error)

	// OrderStage writes one order in one transaction: the header is inserted or updated by
	// its key, the order's lines are replaced (never added to), and the ledger entry is
	// written with them, so the ledger never says "staged" for rows that are not there.
	// ErrImported when the header exists and the ERP has already imported it.
	OrderStage(ctx context.Context, p OrderStageParams) error
	// OrderHeaderUpdate sets some columns of an existing header (for example the
	// cancellation columns) and writes the ledger entry, in one transaction. ErrNotFound
	// when there is no such header, ErrImported when the ERP has imported it.
	OrderHeaderUpdate(ctx context.Context, p OrderHeaderUpdateParams) error
	// OrderImportStatusList reads back what the ERP wrote on the headers of the given orders.
	OrderImportStatusList(ctx context.Context, p OrderImportStatusListParams) ([]OrderImportStatus, error)

	// ShipmentListUnsent returns rows of external_order_shipments not yet sent (sync_status
	// NULL), oldest first, at most Limit.
	ShipmentListUnsent(ctx context.Context, p ShipmentListUnsentParams) ([]Shipment, error)
	// ShipmentMark writes sync_status, sync_error and synced_at on a shipment's rows.
	ShipmentMark(ctx context.Context, p ShipmentMarkParams) error

	// StockEach calls fn for every row of product_qty_in_stock (changed since a mark, when
	// given), without holding them all in memory.
	StockEach(ctx context.Context, p StockEachParams, fn func(StockRow) error) error

	// LedgerPut records an order that was seen but not staged (waiting, skipped, failed).
	LedgerPut(ctx context.Context, e LedgerEntry) error
	LedgerGet(ctx context.Context, shop string, orderID int64) (LedgerEntry, error)
	// LedgerList pages through the ledger newest first, by keyset, with filters.
	LedgerList(ctx context.Context, p LedgerListParams) ([]LedgerEntry, error)
	// LedgerEventList is an order's history: every status change with its message.
	LedgerEventList(ctx context.Context, shop string, orderID int64) ([]LedgerEvent, error)

	ExecutionStart(ctx context.Context, p ExecutionStartParams) (Execution, error)
	ExecutionFinish(ctx context.Context, p ExecutionFinishParams) error
	ExecutionGet(ctx context.Context, id int64) (Execution, error)
	ExecutionList(ctx context.Context, p ExecutionListParams) ([]Execution, error)
	ProblemAdd(ctx context.Context, p Problem) error
	ProblemList(ctx context.Context, p ProblemListParams) ([]Problem, error)

	// WatermarkGet returns ErrNotFound before the first run.
	WatermarkGet(ctx context.Context, shop, feed string) (time.Time, error)
	WatermarkSet(ctx context.Context, shop, feed string, at time.Time) error

	// InventorySentList returns what Shopify last got, per inventory item and location.
	InventorySentList(ctx context.Context, shop string) ([]InventorySent, error)
	// InventorySentPut records levels Shopify accepted (or, in test mode, would have got).
	InventorySentPut(ctx context.Context, levels []InventorySent) error

	SettingGet(ctx context.Context, key string) (string, error)
	SettingSet(ctx context.Context, key, value string) error
}

// OrderStageParams is one order's rows as the mapping produced them.
type OrderStageParams struct {
	Header    passthrough.Table // e.g. s_orders keyed by shop, web_order_id
	HeaderRow passthrough.Row
	Lines     passthrough.Table // e.g. s_order_details keyed by shop, web_order_id, line_no
	LineRows  []passthrough.Row // each carries the header's key columns
	Ledger    LedgerEntry
}

// OrderHeaderUpdateParams changes some columns of one staged header.
type OrderHeaderUpdateParams struct {
	Header passthrough.Table
	Row    passthrough.Row // the key columns and the columns to set
	Ledger LedgerEntry
}

// OrderImportStatusListParams selects headers by Shopify order id.
type OrderImportStatusListParams struct {
	Header   passthrough.Table
	Shop     string
	OrderIDs []int64
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

// Shipment is one row of external_order_shipments: one shipped item.
type Shipment struct {
	ShipmentID     string
	LineNo         int
	Shop           string
	WebOrderID     int64
	ItemCode       string
	Quantity       int
	TrackingNumber string
	Carrier        string
	TrackingURL    string
	ShipDate       time.Time
}

type ShipmentListUnsentParams struct {
	Shop  string
	Limit int
}

// ShipmentMarkParams writes the outcome on every row of one shipment.
type ShipmentMarkParams struct {
	ShipmentID string
	Status     string // "sent" or "error"
	Error      string
	At         time.Time
}

// StockRow is one row of product_qty_in_stock.
type StockRow struct {
	ItemCode      string
	WarehouseCode string
	QtyOnHand     decimal.Decimal
	QtyCommitted  decimal.Decimal
	QtyAvailable  decimal.Decimal
	UpdatedAt     time.Time
}

type StockEachParams struct {
	ChangedSince time.Time // zero for every row
}

// Order statuses in the ledger.
const (
	StatusStaged    = "staged"    // header and lines are in the staging tables
	StatusWaiting   = "waiting"   // not yet importable (unpaid); picked up when it changes
	StatusSkipped   = "skipped"   // never to be imported (test order, cancelled before import)
	StatusFailed    = "failed"    // needs a person (mapping failed, unknown SKU)
	StatusCancelled = "cancelled" // cancelled after staging; the header says so
)

// LedgerEntry is passthrough's record of one Shopify order it has seen.
type LedgerEntry struct {
	Shop          string
	OrderID       int64
	OrderName     string // "#1001"
	OrderDate     time.Time
	CustomerName  string
	CustomerEmail string
	Total         decimal.Decimal
	Currency      string
	Status        string
	Severity      passthrough.Severity // empty when there is no problem
	Problem       string
	Attempts      int
	Payload       json.RawMessage
	PayloadHash   string
	// ShopifyUpdatedAt is the order's updated_at when it was last handled.
	ShopifyUpdatedAt time.Time
	FirstSeenAt      time.Time
	UpdatedAt        time.Time
	// ImportStatus and ERPOrderNo are read back from the staging header for display.
	ImportStatus string
	ERPOrderNo   string
}

// LedgerListParams filters and pages the ledger. Pages are keyset: pass the last entry's
// UpdatedAt and OrderID of the previous page as After.
type LedgerListParams struct {
	Shop     string
	Status   string
	Severity passthrough.Severity
	From, To time.Time // on OrderDate
	Search   string    // order name or customer email
	After    *LedgerCursor
	Limit    int
}

type LedgerCursor struct {
	UpdatedAt time.Time
	OrderID   int64
}

// LedgerEvent is one step of an order's history.
type LedgerEvent struct {
	Shop     string
	OrderID  int64
	At       time.Time
	Status   string
	Severity passthrough.Severity
	Message  string
	RunID    int64 // the feed execution, 0 when an operator acted
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
}

type ExecutionFinishParams struct {
	ID      int64
	At      time.Time
	Outcome string
	Counts  ExecutionCounts
	Error   string
}

type ExecutionListParams struct {
	Feed     string
	BeforeID int64 // keyset: 0 for the newest
	Limit    int
}

// Problem is one record problem found by one execution.
type Problem struct {
	ExecutionID int64
	Feed        string
	Shop        string
	RecordKey   string // order id, shipment id, SKU@location
	Severity    passthrough.Severity
	Message     string
	At          time.Time
}

type ProblemListParams struct {
	ExecutionID int64
	Feed        string
	RecordKey   string
	Limit       int
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
