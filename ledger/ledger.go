// Package ledger is what passthrough's order ledger means: the record of every Shopify order
// the orders feed has seen, where it stands (its Status), what is wrong with it when something
// is (a severity and a message for people), and who acted on it last (a feed run or an
// operator). The ERP store keeps the ledger in its pt_ tables (adapters/erp), the orders feed
// writes it, and the portal shows it and lets operators act on it.
//
// Every decision about an order is taken from its Status, never from its message: a message
// is for people, and rewording one must not change what happens.
package ledger

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/passthrough-dev/passthrough"
)

// Status is where an order stands.
type Status string

const (
	// StatusStaged: the order's header and lines are in the staging tables.
	StatusStaged Status = "staged"
	// StatusWaiting: not importable yet (not paid); the feed picks it up when it changes.
	StatusWaiting Status = "waiting"
	// StatusSkipped: a business rule said no (a test order, cancelled before import);
	// nothing is to be done.
	StatusSkipped Status = "skipped"
	// StatusExcluded: an operator chose not to import the order (the portal's Skip). The
	// feeds leave it alone, however it changes in Shopify, until an operator retries it.
	StatusExcluded Status = "excluded"
	// StatusFailed: a person has to act (a mapping failed, an unknown SKU).
	StatusFailed Status = "failed"
	// StatusCancelled: cancelled in Shopify after staging; the staged header says so.
	StatusCancelled Status = "cancelled"
)

// Statuses lists every status, in the order the portal offers them.
func Statuses() []Status {
	return []Status{StatusStaged, StatusWaiting, StatusSkipped, StatusExcluded, StatusFailed, StatusCancelled}
}

// Valid reports whether s is one of the statuses above.
func (s Status) Valid() bool {
	switch s {
	case StatusStaged, StatusWaiting, StatusSkipped, StatusExcluded, StatusFailed, StatusCancelled:
		return true
	}
	return false
}

// InStaging reports whether the staging tables hold the order's rows: it was staged, and
// perhaps cancelled since (the header stays, saying so). Such an order belongs to the ERP
// now: an operator cannot skip it, and a new version of it that is not for import leaves the
// staged rows as they are.
func (s Status) InStaging() bool { return s == StatusStaged || s == StatusCancelled }

// StatusFor is the status of an order the feed did not stage because of a problem of
// severity sev: a business rule's no (info) is skipped, what will fix itself (retry) is
// waiting, and anything else is failed, for a person.
func StatusFor(sev passthrough.Severity) Status {
	switch sev {
	case passthrough.SeverityInfo:
		return StatusSkipped
	case passthrough.SeverityRetry:
		return StatusWaiting
	}
	return StatusFailed
}

// Entry is passthrough's record of one Shopify order it has seen.
type Entry struct {
	Shop          string
	OrderID       int64
	OrderName     string // "#1001"
	OrderDate     time.Time
	CustomerName  string
	CustomerEmail string
	Total         decimal.Decimal
	Currency      string
	Status        Status
	Severity      passthrough.Severity // empty when there is no problem
	Problem       string
	Attempts      int
	Payload       json.RawMessage
	PayloadHash   string
	// ShopifyUpdatedAt is the order's updated_at when it was last handled.
	ShopifyUpdatedAt time.Time
	FirstSeenAt      time.Time
	UpdatedAt        time.Time
	// RunID and Actor say who wrote the entry last, and are recorded on its ledger event:
	// a feed run by its execution id (Actor empty), an operator by the portal user's name
	// (RunID 0). Both are empty when neither did, as when a changed mapping maps a failed
	// order again outside a run.
	RunID int64
	Actor string
	// ImportStatus and ERPOrderNo are read back from the staging header for display; they
	// are never written through the ledger.
	ImportStatus string
	ERPOrderNo   string
	// SKUs are the SKUs of the order's lines as Shopify sent them. With the customer's name
	// they are what the portal's search finds an order by (SearchTerms); nil leaves the
	// terms the ledger has for the order as they are.
	SKUs []string
}

// Exclude is an operator's Skip: the order is not to be imported, and the feeds leave it
// alone until an operator retries it (Readmit). The reason goes in the message, for people.
func (e *Entry) Exclude(actor, reason string) {
	msg := "skipped by " + actor
	if reason = strings.TrimSpace(reason); reason != "" {
		msg += ": " + reason
	}
	e.Status, e.Severity, e.Problem = StatusExcluded, passthrough.SeverityInfo, msg
	e.Actor, e.RunID = actor, 0
}

// Resolve is an operator's answer to the order's problem, with a reason: the problem was dealt
// with outside passthrough (the order was changed or entered in the ERP by hand). An order in
// the staging tables stays as it is there, without the problem; one that is not is excluded,
// so the feeds leave it alone until an operator retries it.
func (e *Entry) Resolve(actor, reason string) {
	msg := "resolved by " + actor
	if reason = strings.TrimSpace(reason); reason != "" {
		msg += ": " + reason
	}
	if e.Status.InStaging() {
		e.Severity, e.Problem = "", msg // a note, no longer a problem
	} else {
		e.Status, e.Severity, e.Problem = StatusExcluded, passthrough.SeverityInfo, msg
	}
	e.Actor, e.RunID = actor, 0
}

// Retriable reports whether an operator's Retry can change anything: it handles the order again
// unless the ERP has it for good (imported, or cancelled after staging). An imported order may
// still be retried after it was changed in the ERP, to accept Shopify's edit; the portal warns.
func (e Entry) Retriable() bool { return e.Status != StatusCancelled }

// Skippable reports whether an operator may exclude the order from import: only while it is
// not in the staging tables, and not excluded already.
func (e Entry) Skippable() bool {
	return !e.Status.InStaging() && e.Status != StatusExcluded
}

// Resolvable reports whether the order has a problem a person can resolve: one of severity
// retry or error (info is nothing to do).
func (e Entry) Resolvable() bool {
	return e.Severity == passthrough.SeverityError || e.Severity == passthrough.SeverityRetry
}

// Cursor is where a page of the ledger ended: the next page starts after it.
type Cursor struct {
	UpdatedAt time.Time
	OrderDate time.Time // used when the list has a date range
	OrderID   int64
}

// Cursor is the position after e, for the next page.
func (e Entry) Cursor() *Cursor {
	return &Cursor{UpdatedAt: e.UpdatedAt, OrderDate: e.OrderDate, OrderID: e.OrderID}
}

// Event is one step of an order's history: a change of status, severity or message, with
// who made it.
type Event struct {
	Shop     string
	OrderID  int64
	At       time.Time
	Status   Status
	Severity passthrough.Severity
	Message  string
	RunID    int64  // the feed execution; 0 when it was not a run
	Actor    string // the operator; empty when it was not one
}
