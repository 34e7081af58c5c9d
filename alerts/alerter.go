package alerts

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/feeds"
)

const (
	// MinEvery is the least time between two digests of a store.
	MinEvery = 15 * time.Minute
	// Settle is how far before now a digest reaches: a problem a run records a moment
	// before may commit after the digest read, and is told in the next one instead.
	Settle = 30 * time.Second
	// claimLease is how long a claimed digest keeps other processes off: longer than a
	// send may take (the e-mail's timeout, the webhook's).
	claimLease = 5 * time.Minute
	// recordTimeout bounds recording a send's outcome, which outlives the run's context:
	// a digest that went out must be recorded, or it would go out again.
	recordTimeout = 30 * time.Second
)

// Store is what the alerter reads and records: the digest's sources and the digests'
// bookkeeping (erp.Alerts).
type Store interface {
	Source
	AlertDigestClaim(ctx context.Context, p erp.AlertDigestClaimParams) (erp.AlertDigest, bool, error)
	AlertDigestSent(ctx context.Context, p erp.AlertDigestSentParams) error
	AlertDigestRelease(ctx context.Context, p erp.AlertDigestSentParams) error
	AlertDigestFailed(ctx context.Context, p erp.AlertDigestFailedParams) error
}

// Sender delivers a digest: Email, Webhook.
type Sender interface {
	Send(ctx context.Context, d Digest) error
}

// Alerter sends one store's digests. Any number of processes may run one for the same
// store: the database decides, in the statement that claims a digest, which of them sends
// it, and when the next may go.
type Alerter struct {
	Shop  string
	Store Store
	// Expect are the store's scheduled feeds, for the stale rule.
	Expect  []feeds.Expectation
	Senders []Sender
	// Every is the least time between two digests; MinEvery when less.
	Every     time.Duration
	PortalURL string
	Now       func() time.Time
	Log       *slog.Logger // with the shop's name
}

// Run sends the store's digest when one is due and there is something new to tell, and
// answers it (empty when none went out). A digest that reached no receiver is recorded as
// failed: the next one, an interval later, tells everything it would have. One that
// reached some receivers counts as sent, the others' failure recorded and returned.
func (a *Alerter) Run(ctx context.Context) (Digest, error) {
	every := max(a.Every, MinEvery)
	now := a.Now()
	token := newToken()
	st, ok, err := a.Store.AlertDigestClaim(ctx, erp.AlertDigestClaimParams{Shop: a.Shop, Token: token, At: now, Every: every,
		Lease: claimLease, Start: now.Add(-every)})
	if err != nil || !ok {
		return Digest{}, err
	}
	record, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	release := func(through time.Time) error {
		return a.Store.AlertDigestRelease(record, erp.AlertDigestSentParams{Shop: a.Shop, Token: token, Through: through})
	}

	until := now.Add(-Settle)
	if !until.After(st.Since) {
		return Digest{}, release(st.Since)
	}
	d, err := Collect(ctx, a.Store, a.Shop, a.Expect, st.Since, until)
	if err != nil {
		return Digest{}, errors.Join(fmt.Errorf("gather the alert digest: %w", err), release(st.Since))
	}
	if d.Empty() {
		return Digest{}, release(until)
	}
	d.PortalURL = a.PortalURL

	var errs []error
	delivered := 0
	for _, s := range a.Senders {
		if err := s.Send(ctx, d); err != nil {
			errs = append(errs, err)
			continue
		}
		delivered++
	}
	failed := errors.Join(errs...)
	if delivered == 0 {
		why := "no receiver is configured"
		if failed != nil {
			why = failed.Error()
		}
		rerr := a.Store.AlertDigestFailed(record, erp.AlertDigestFailedParams{Shop: a.Shop, Token: token, At: a.Now(), Error: why})
		return Digest{}, errors.Join(fmt.Errorf("send the alert digest: %s", why), rerr)
	}
	p := erp.AlertDigestSentParams{Shop: a.Shop, Token: token, At: a.Now(), Through: until, Items: d.Items()}
	if failed != nil {
		p.Error = failed.Error()
	}
	if err := a.Store.AlertDigestSent(record, p); err != nil {
		return d, errors.Join(err, failed)
	}
	a.log().Info("alert digest sent", "items", d.Items(), "subject", d.Subject())
	if failed != nil {
		return d, fmt.Errorf("send the alert digest to every receiver: %w", failed)
	}
	return d, nil
}

func (a *Alerter) log() *slog.Logger {
	if a.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return a.Log
}

func newToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails on a supported platform
	return hex.EncodeToString(b)
}
