package erp

import (
	"context"
	"time"
)

// Audit keeps the audit log: every action a person takes through the portal — who, what,
// on what, when — so that "who retried these 40 orders?" has an answer.
type Audit interface {
	// AuditAdd records one action. ErrInvalidValue without an actor or an action.
	AuditAdd(ctx context.Context, e AuditEntry) error
	// AuditList pages through the log, newest first.
	AuditList(ctx context.Context, p AuditListParams) ([]AuditEntry, error)
}

// AuditEntry is one action a person took.
type AuditEntry struct {
	ID     int64 // set by the store
	Shop   string
	At     time.Time // the store's clock when zero
	Actor  string    // the portal user
	Action string    // what they did, e.g. order.retry
	Target string    // what they did it to, e.g. order 450789469
	Detail string    // the outcome and the reason given, for people
}

// AuditListParams selects entries of the log.
type AuditListParams struct {
	// Shops are the stores whose entries are listed ("" for actions on no store); empty for
	// every one.
	Shops    []string
	Actor    string // empty for everyone
	Action   string // empty for every action
	BeforeID int64  // keyset: 0 for the newest
	Limit    int    // 0 means 50; at most 1000
}
