// Package passthrough holds the small vocabulary that every part of passthrough shares: how
// bad a problem with one record is, the rows a mapping produces and the ERP stores, and the
// columns a staging table has. The parts themselves live in their own packages: the mapping
// engine in mapping, the outside systems in adapters, the feeds that move records in feeds,
// the web in portal.
package passthrough

import (
	"errors"
	"fmt"
)

// Severity says what a record problem needs: nothing, time, or a person.
type Severity string

const (
	// SeverityInfo: a business rule said no and nothing is to be done (a test order, an
	// order cancelled before import).
	SeverityInfo Severity = "info"
	// SeverityRetry: the problem will fix itself and the feed tries again on its own (an
	// order not paid yet, a locked ERP row, Shopify answering 5xx or 429).
	SeverityRetry Severity = "retry"
	// SeverityError: a person has to act (an unknown SKU, a mapping expression that failed).
	// The record stays flagged until it is retried by an operator or the mapping changes.
	SeverityError Severity = "error"
)

// Valid reports whether s is one of the three severities.
func (s Severity) Valid() bool {
	return s == SeverityInfo || s == SeverityRetry || s == SeverityError
}

// RecordError rejects one record with a severity and a message a person can read. Feeds
// record it on that record and carry on with the others.
type RecordError struct {
	Severity Severity
	Message  string
	Err      error // the cause, when there is one
}

// Reject returns a RecordError with a formatted message.
func Reject(sev Severity, format string, args ...any) error {
	return &RecordError{Severity: sev, Message: fmt.Sprintf(format, args...)}
}

func (e *RecordError) Error() string {
	if e.Err != nil && e.Message == "" {
		return e.Err.Error()
	}
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *RecordError) Unwrap() error { return e.Err }

// SeverityOf returns the severity carried by err, and false when err carries none.
func SeverityOf(err error) (Severity, bool) {
	var re *RecordError
	if errors.As(err, &re) {
		return re.Severity, true
	}
	return "", false
}

// Table names a target table and the columns that identify one of its rows.
type Table struct {
	Name string
	Key  []string
}

// Row is one row for a table: column names in the order the mapping gives them, and their
// values. Values are nil, string, int64, bool, time.Time or decimal.Decimal
// (github.com/shopspring/decimal), which every dialect knows how to bind as a parameter.
type Row struct {
	Columns []string
	Values  []any
}

// Get returns the value of column, and whether the row has that column.
func (r Row) Get(column string) (any, bool) {
	for i, c := range r.Columns {
		if c == column {
			return r.Values[i], true
		}
	}
	return nil, false
}

// Set replaces the value of column, or appends the column when the row lacks it.
func (r *Row) Set(column string, value any) {
	for i, c := range r.Columns {
		if c == column {
			r.Values[i] = value
			return
		}
	}
	r.Columns = append(r.Columns, column)
	r.Values = append(r.Values, value)
}

// OrderRows is what one order gives the staging tables: its header row and its line rows,
// each line carrying the header's key columns, with the tables they go to. The orders
// mapping produces it, the ERP store writes it and the portal shows it, as it is.
type OrderRows struct {
	Header    Table
	HeaderRow Row
	Lines     Table
	LineRows  []Row
}

// Tables gives the rows table by table, header first, as a preview shows them.
func (r *OrderRows) Tables() []TableRows {
	out := []TableRows{{Block: "header", Table: r.Header, Rows: []Row{r.HeaderRow}}}
	if r.Lines.Name != "" {
		out = append(out, TableRows{Block: "lines", Table: r.Lines, Rows: r.LineRows})
	}
	return out
}

// TableRows is the rows one record gives one block of a mapping file: a table's rows, or
// for blocks that go to Shopify rather than to a table (a shipment's fulfillment, a stock
// level), the values Shopify gets, named as the block names them.
type TableRows struct {
	// Block is the mapping block that produced the rows: header, lines, cancel,
	// fulfillment, level.
	Block string
	// Table is where the rows go; for a block that feeds Shopify, Name says what the rows
	// become ("fulfillment tracking") and Key is empty.
	Table Table
	Rows  []Row
}

// ColumnKind is the family a database column type belongs to, which is all a mapping needs
// to know to check that an expression's result fits.
type ColumnKind string

const (
	KindText    ColumnKind = "text"
	KindInteger ColumnKind = "integer"
	KindDecimal ColumnKind = "decimal"
	KindTime    ColumnKind = "time"
	KindBool    ColumnKind = "bool"
	KindOther   ColumnKind = "other"
)

// Column describes one column of a real table, as the database reports it: enough to check
// a value fits before it is written, so that a record is refused with a message naming the
// column rather than by the database half-way through a transaction.
type Column struct {
	Name      string
	Kind      ColumnKind
	DataType  string // the type as the database names it, e.g. nvarchar, numeric, TEXT
	MaxLength int    // characters for text columns (bytes for SQL Server's varchar); 0 when unbounded or not text
	Nullable  bool
	// Precision and Scale bound a decimal column: Precision digits in all, Scale of them after
	// the point, as DECIMAL(18,4) says. Both zero when the type sets no bound (a float). Money
	// types have a Scale (SQL Server's money keeps 4 decimals) and a range below.
	Precision, Scale int
	// Min and Max bound the values of an integer column, and of a money column counted in
	// units of its last decimal (SQL Server's money is a 64-bit count of ten-thousandths).
	// Both zero when the type sets no range.
	Min, Max int64
	// Generated columns are filled by the database (identity, computed, rowversion): a
	// mapping never writes them.
	Generated bool
	// Collation is the collation of a text column as the database names it, when it reports
	// one; IgnoreCase says the column compares text ignoring case, so two keys that differ
	// only by case are the same key.
	Collation  string
	IgnoreCase bool
	// CodePage is the code page a single-byte text column keeps its characters in (SQL
	// Server's varchar: 1252 for Latin1 collations, 65001 for UTF-8 ones), which limits the
	// characters it can hold; 0 for columns that hold any character.
	CodePage int
}
