package erp

import (
	"context"
	"encoding/json"
	"time"
)

// Webhooks keeps the webhook deliveries passthrough has received and not yet forgotten:
// the receiver stores each one durably before it answers Shopify, and a worker — in this
// process or another replica — claims and works it afterwards. Deliveries are keyed by
// shop and X-Shopify-Webhook-Id, so a delivery Shopify sends again is never stored twice.
type Webhooks interface {
	// WebhookReceive stores a delivery as pending and counts it on its topic, in one
	// transaction. Duplicate is true, and nothing but the topic's count of duplicates
	// changes, when the shop already has a delivery with that webhook id.
	WebhookReceive(ctx context.Context, d WebhookDelivery) (WebhookReceipt, error)
	// WebhookIgnore counts a delivery of a topic passthrough does not handle; nothing of it
	// is stored.
	WebhookIgnore(ctx context.Context, shop, topic string, at time.Time) error
	// WebhookClaim hands the worker up to Limit deliveries that are due — pending ones, and
	// working ones whose claim has lapsed — oldest first, marked working until Until. No
	// two claims hold a delivery at once, and a claim never takes a delivery of an order
	// another live claim is working on: one order's deliveries go to one worker at a time,
	// in the order they came. Claims by several processes at once are safe.
	WebhookClaim(ctx context.Context, p WebhookClaimParams) ([]WebhookDelivery, error)
	// WebhookFinish records what became of a claimed delivery: done (its body is dropped),
	// pending again from RetryAt, or failed. ErrNotFound when the delivery is no longer
	// claimed by that worker (its claim lapsed and another took it).
	WebhookFinish(ctx context.Context, p WebhookFinishParams) error
	// WebhookTopicList is what came per topic for a shop: when the last delivery came and
	// how many, by topic name.
	WebhookTopicList(ctx context.Context, shop string) ([]WebhookTopic, error)
	// WebhookBacklog counts a shop's deliveries not done yet.
	WebhookBacklog(ctx context.Context, shop string) (WebhookBacklog, error)
	// WebhookPrune deletes deliveries done before a time (they stay that long so a late
	// retry of one is still known as a duplicate), and says how many went.
	WebhookPrune(ctx context.Context, before time.Time) (int, error)
}

// Privacy removes personal data from passthrough's own tables when Shopify asks it to
// (customers/redact, shop/redact) and keeps a record of every such request. It never
// touches the ERP's staging tables: what the ERP holds is the ERP's.
type Privacy interface {
	// LedgerRedact replaces one ledger entry's payload with p.Payload (the order with its
	// personal data taken out), blanks the customer's name and email, and adds an event
	// with p.Message to the order's history; status and problem stay as they are.
	// ErrNotFound when the ledger has no such entry.
	LedgerRedact(ctx context.Context, p LedgerRedactParams) error
	// ShopRedact removes the personal data of every ledger entry of a shop (payload,
	// customer name and email) and the bodies of its stored deliveries, and says how many
	// entries and deliveries it changed.
	ShopRedact(ctx context.Context, shop string) (entries, deliveries int, err error)
	// WebhookRedact drops the bodies of a shop's stored deliveries about the given orders;
	// those not yet worked are finished, as there is nothing left to work. It says how many
	// it changed.
	WebhookRedact(ctx context.Context, shop string, orderIDs []int64) (int, error)
	// RedactionAdd records a privacy request and what was done about it.
	RedactionAdd(ctx context.Context, r Redaction) error
	// RedactionList is a shop's privacy requests, newest first.
	RedactionList(ctx context.Context, shop string, limit int) ([]Redaction, error)
}

// The states of a stored delivery.
const (
	WebhookPending = "pending" // stored, waiting for a worker
	WebhookWorking = "working" // claimed by a worker until its claim lapses
	WebhookDone    = "done"    // worked; kept without its body until pruned
	WebhookFailed  = "failed"  // given up on; its error says why
)

// WebhookDelivery is one delivery Shopify sent, as stored.
type WebhookDelivery struct {
	ID          int64 // the store's
	Shop        string
	WebhookID   string // X-Shopify-Webhook-Id: the same on every retry of the delivery
	EventID     string // X-Shopify-Event-Id
	Topic       string // orders/paid, customers/redact …
	APIVersion  string
	TriggeredAt time.Time // X-Shopify-Triggered-At; zero when it had none
	ReceivedAt  time.Time
	// OrderID is the order the delivery is about (0 when it is about none), so a claim can
	// keep one order's deliveries together and a redaction can find them.
	OrderID int64
	Body    json.RawMessage // nil once done or redacted
	State   string
	// ClaimedBy is the worker holding (or last holding) the delivery.
	ClaimedBy string
	Attempts  int
	Error     string
	DueAt     time.Time // pending: when it may be worked; working: when the claim lapses
}

// WebhookReceipt says what WebhookReceive did.
type WebhookReceipt struct {
	ID        int64
	Duplicate bool
}

// WebhookClaimParams asks for deliveries to work.
type WebhookClaimParams struct {
	Worker string    // who claims: kept on the deliveries, checked by WebhookFinish
	Limit  int       // 0 means 20
	Now    time.Time // what is due is due by then
	Until  time.Time // the claim lapses then
}

// WebhookFinishParams records what became of a claimed delivery.
type WebhookFinishParams struct {
	ID     int64
	Worker string
	State  string    // WebhookDone, WebhookPending (try again) or WebhookFailed
	Error  string    // why it failed or is tried again
	At     time.Time // when it was finished
	// RetryAt is when a delivery put back to pending may be worked again.
	RetryAt time.Time
}

// WebhookTopic is what came on one topic for one shop.
type WebhookTopic struct {
	Topic        string
	LastReceived time.Time
	Received     int // deliveries, duplicates not counted
	Duplicates   int // deliveries refused as already received
}

// WebhookBacklog counts a shop's deliveries not done.
type WebhookBacklog struct {
	Pending       int
	Working       int
	Failed        int
	OldestPending time.Time // zero when none is pending
	LastError     string    // of the most recently failed or retried delivery
}

// LedgerRedactParams is one ledger entry with its personal data taken out.
type LedgerRedactParams struct {
	Shop    string
	OrderID int64
	Payload json.RawMessage // the order without personal data; nil removes it
	Message string          // for the order's history: what was removed and why
}

// Redaction is one privacy request Shopify sent and what passthrough did about it.
type Redaction struct {
	ID         int64
	Shop       string
	Topic      string // customers/redact, shop/redact, customers/data_request
	CustomerID int64  // 0 for shop/redact
	// OrderIDs are the orders the request names (orders_to_redact, orders_requested).
	OrderIDs []int64
	// RequestID is a data request's own id (data_request.id).
	RequestID string
	// Entries and Deliveries count the ledger entries and stored deliveries whose personal
	// data was removed; a data request removes nothing.
	Entries    int
	Deliveries int
	ReceivedAt time.Time // when the request came
	DoneAt     time.Time // when it was carried out
}
