package erp

import (
	"context"
	"time"
)

// Alerts keeps what each store's alert digests have told, so that a digest tells only what
// is new, at most one goes out per interval whichever process sends it, and a digest that
// could not be sent is sent again, whole, the next time.
type Alerts interface {
	// AlertDigestClaim decides whether a digest of the shop may go out now and, when it
	// may, claims it for p.Token in the same statement: when the last attempt to send one
	// (sent or failed) was at least p.Every before p.At, and no other claim younger than
	// p.Lease is under way. Attempts, not only successes, are spaced so, since a send that
	// reported a failure may still have arrived. A shop's first claim starts its digests at
	// p.Start. It answers the shop's digest state and whether the claim is p.Token's.
	AlertDigestClaim(ctx context.Context, p AlertDigestClaimParams) (AlertDigest, bool, error)
	// AlertDigestSent records the claimed digest as sent: Since moves on to p.Through and
	// the claim ends. ErrLockLost when the claim is no longer p.Token's.
	AlertDigestSent(ctx context.Context, p AlertDigestSentParams) error
	// AlertDigestRelease ends the claim with nothing sent, since nothing happened up to
	// p.Through: Since moves on to it. ErrLockLost when the claim is no longer p.Token's.
	AlertDigestRelease(ctx context.Context, p AlertDigestSentParams) error
	// AlertDigestFailed records that the claimed digest could not be sent, and why; Since
	// stays, so the next digest tells it all again. ErrLockLost when the claim is no longer
	// p.Token's.
	AlertDigestFailed(ctx context.Context, p AlertDigestFailedParams) error
	// AlertDigestList reads the digest state of every shop that has one, by shop.
	AlertDigestList(ctx context.Context) ([]AlertDigest, error)
	// ExecutionFailedList lists a shop's runs that failed and finished after p.Since and at
	// or before p.Until, oldest first, at most p.Limit.
	ExecutionFailedList(ctx context.Context, p ExecutionFailedListParams) ([]Execution, error)
}

// AlertDigest is what a shop's digests have told.
type AlertDigest struct {
	Shop string
	// Since is how far the digests have told: the next one tells what happened after it.
	Since  time.Time
	SentAt time.Time // when the last digest went out; zero before the first
	Items  int       // what the last digest told
	// ClaimedAt and ClaimedBy mark a digest being sent; ClaimedBy is "" when none is.
	ClaimedAt time.Time
	ClaimedBy string
	// FailedAt, Failures and Error say why the digests since the last that went out could
	// not be sent; Failures is 0 after a digest went out, and Error then says which of its
	// receivers did not get it, if any.
	FailedAt time.Time
	Failures int
	Error    string
}

// AlertDigestClaimParams asks to send a shop's digest.
type AlertDigestClaimParams struct {
	Shop  string
	Token string // this claim, told apart from every other
	At    time.Time
	// Every is the least time between two digests of the shop.
	Every time.Duration
	// Lease is how long a claim keeps others off: a process that died while sending gives
	// its claim up after it.
	Lease time.Duration
	// Start is where a shop's first digest starts.
	Start time.Time
}

// AlertDigestSentParams records a digest that went out.
type AlertDigestSentParams struct {
	Shop    string
	Token   string
	At      time.Time
	Through time.Time // what the digest told reaches this far: the next Since
	Items   int
	// Error says why some of the digest's receivers did not get it while others did: it
	// counts as sent, so those who got it are not sent it again.
	Error string
}

// AlertDigestFailedParams records a digest that could not be sent.
type AlertDigestFailedParams struct {
	Shop  string
	Token string
	At    time.Time
	Error string // for people; cut to 1,000 characters
}

// ExecutionFailedListParams selects a shop's failed runs by when they finished.
type ExecutionFailedListParams struct {
	Shop  string
	Since time.Time // after it
	Until time.Time // at or before it
	Limit int       // 0 means 50; at most 1000
}
