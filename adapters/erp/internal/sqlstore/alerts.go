package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/passthrough-dev/passthrough/adapters/erp"
)

// The alert digests' bookkeeping (pt_alert_digests): erp.Alerts.

const alertDigestCols = "shop, since, sent_at, items, claimed_at, claimed_by, failed_at, failures, last_error"

// AlertDigestStart adds a shop's digest row, starting at since, unless it has one.
func (st Statements) AlertDigestStart(shop string, since time.Time) Stmt {
	return Stmt{SQL: st.upsert(st.name("pt_alert_digests"), []string{"shop"}, []string{"shop", "since"}, []string{"since"}),
		Args: []any{st.text(shop), st.time(since)}}
}

// AlertDigestClaim claims a shop's digest for p.Token when one is due and no other claim
// holds, answering whether it did: the decision and its record are one statement.
func (st Statements) AlertDigestClaim(p erp.AlertDigestClaimParams) Stmt {
	ps := &params{d: st.d}
	update := "UPDATE " + st.name("pt_alert_digests") + " SET claimed_at = " + ps.add(st.time(p.At)) + ", claimed_by = " + ps.add(st.text(p.Token))
	where := "shop = " + ps.add(st.text(p.Shop)) +
		" AND (sent_at IS NULL OR sent_at <= " + ps.add(st.time(p.At.Add(-p.Every))) + ")" +
		" AND (failed_at IS NULL OR failed_at <= " + ps.add(st.time(p.At.Add(-p.Every))) + ")" +
		" AND (claimed_by = " + ps.add(st.text("")) + " OR claimed_by = " + ps.add(st.text(p.Token)) +
		" OR claimed_at <= " + ps.add(st.time(p.At.Add(-p.Lease))) + ")"
	return st.counted(update, where, ps.args)
}

// AlertDigestSent records a digest that went out and ends its claim.
func (st Statements) AlertDigestSent(p erp.AlertDigestSentParams) Stmt {
	ps := &params{d: st.d}
	update := "UPDATE " + st.name("pt_alert_digests") + " SET since = " + ps.add(st.time(p.Through)) + ", sent_at = " + ps.add(st.time(p.At)) +
		", items = " + ps.add(st.int64(int64(p.Items))) + ", claimed_at = NULL, claimed_by = " + ps.add(st.text("")) +
		", failures = 0, last_error = " + ps.add(st.text(cutRunes(p.Error, 1000)))
	return st.counted(update, "shop = "+ps.add(st.text(p.Shop))+" AND claimed_by = "+ps.add(st.text(p.Token)), ps.args)
}

// AlertDigestRelease ends a claim that sent nothing, moving since on.
func (st Statements) AlertDigestRelease(p erp.AlertDigestSentParams) Stmt {
	ps := &params{d: st.d}
	update := "UPDATE " + st.name("pt_alert_digests") + " SET since = " + ps.add(st.time(p.Through)) + ", claimed_at = NULL, claimed_by = " + ps.add(st.text(""))
	return st.counted(update, "shop = "+ps.add(st.text(p.Shop))+" AND claimed_by = "+ps.add(st.text(p.Token)), ps.args)
}

// AlertDigestFailed records a digest that could not be sent and ends its claim.
func (st Statements) AlertDigestFailed(p erp.AlertDigestFailedParams) Stmt {
	ps := &params{d: st.d}
	update := "UPDATE " + st.name("pt_alert_digests") + " SET claimed_at = NULL, claimed_by = " + ps.add(st.text("")) +
		", failed_at = " + ps.add(st.time(p.At)) + ", failures = failures + 1, last_error = " + ps.add(st.text(cutRunes(p.Error, 1000)))
	return st.counted(update, "shop = "+ps.add(st.text(p.Shop))+" AND claimed_by = "+ps.add(st.text(p.Token)), ps.args)
}

// AlertDigestGet reads one shop's digest row.
func (st Statements) AlertDigestGet(shop string) Stmt {
	p := &params{d: st.d}
	return Stmt{SQL: "SELECT " + alertDigestCols + " FROM " + st.name("pt_alert_digests") + " WHERE shop = " + p.add(st.text(shop)), Args: p.args}
}

// AlertDigestList reads every shop's digest row.
func (st Statements) AlertDigestList() Stmt {
	return Stmt{SQL: "SELECT " + alertDigestCols + " FROM " + st.name("pt_alert_digests") + " ORDER BY shop"}
}

// ExecutionFailedList reads a shop's failed runs by when they finished, on the (shop,
// finished_at) index.
func (st Statements) ExecutionFailedList(lp erp.ExecutionFailedListParams) Stmt {
	p := &params{d: st.d}
	q := "SELECT " + executionCols + " FROM " + st.name("pt_feed_executions") + " WHERE shop = " + p.add(st.text(lp.Shop)) +
		" AND finished_at > " + p.add(st.time(lp.Since)) + " AND finished_at <= " + p.add(st.time(lp.Until)) +
		" AND outcome = " + p.add(st.text(erp.OutcomeFailed)) + " ORDER BY finished_at, id"
	return Stmt{SQL: q + st.d.Limit(p.add(st.int64(int64(limit(lp.Limit, 50, 1000))))), Args: p.args}
}

func alertsCatalog(st Statements) []sample {
	at := catalogTime
	return []sample{
		{"AlertDigestStart", st.AlertDigestStart("acme", at.Add(-15*time.Minute)), nil},
		{"AlertDigestClaim", st.AlertDigestClaim(erp.AlertDigestClaimParams{Shop: "acme", Token: "4f1b2b0b822cd15d", At: at,
			Every: 15 * time.Minute, Lease: time.Minute}), nil},
		{"AlertDigestSent", st.AlertDigestSent(erp.AlertDigestSentParams{Shop: "acme", Token: "4f1b2b0b822cd15d", At: at,
			Through: at.Add(-30 * time.Second), Items: 4}), nil},
		{"AlertDigestSent/a-receiver-failed", st.AlertDigestSent(erp.AlertDigestSentParams{Shop: "acme", Token: "4f1b2b0b822cd15d", At: at,
			Through: at.Add(-30 * time.Second), Items: 4, Error: "post to the webhook: 500 Internal Server Error"}), nil},
		{"AlertDigestRelease", st.AlertDigestRelease(erp.AlertDigestSentParams{Shop: "acme", Token: "4f1b2b0b822cd15d", Through: at.Add(-30 * time.Second)}), nil},
		{"AlertDigestFailed", st.AlertDigestFailed(erp.AlertDigestFailedParams{Shop: "acme", Token: "4f1b2b0b822cd15d", At: at,
			Error: "send the e-mail: 451 try again later"}), nil},
		{"AlertDigestGet", st.AlertDigestGet("acme"), nil},
		{"AlertDigestList", st.AlertDigestList(), nil},
		{"ExecutionFailedList", st.ExecutionFailedList(erp.ExecutionFailedListParams{Shop: "acme", Since: at.Add(-15 * time.Minute),
			Until: at, Limit: 50}), nil},
	}
}

// --- the store ----------------------------------------------------------------------------

// AlertDigestClaim decides, and records, whether a digest of the shop goes out now.
func (s *Store) AlertDigestClaim(ctx context.Context, p erp.AlertDigestClaimParams) (erp.AlertDigest, bool, error) {
	if p.Shop == "" || p.Token == "" || p.At.IsZero() || p.Start.IsZero() {
		return erp.AlertDigest{}, false, fmt.Errorf("claim the alert digest: a claim needs a shop, a token, a time and a start: %w", erp.ErrInvalidValue)
	}
	var d erp.AlertDigest
	var claimed bool
	err := s.inTx(ctx, "claim the alert digest", func(tx *sql.Tx) error {
		if _, err := s.exec(ctx, tx, s.st.AlertDigestStart(p.Shop, p.Start)); err != nil {
			return err
		}
		n, err := s.exec(ctx, tx, s.st.AlertDigestClaim(p))
		if err != nil {
			return err
		}
		claimed = n == 1
		d, err = scanAlertDigest(s.queryRow(ctx, tx, s.st.AlertDigestGet(p.Shop)))
		return err
	})
	if err != nil {
		return erp.AlertDigest{}, false, fmt.Errorf("claim the alert digest: %w", err)
	}
	return d, claimed, nil
}

// AlertDigestSent records the claimed digest as sent.
func (s *Store) AlertDigestSent(ctx context.Context, p erp.AlertDigestSentParams) error {
	return s.alertDigestEnd(ctx, "record the alert digest as sent", s.st.AlertDigestSent(p))
}

// AlertDigestRelease ends the claim with nothing sent.
func (s *Store) AlertDigestRelease(ctx context.Context, p erp.AlertDigestSentParams) error {
	return s.alertDigestEnd(ctx, "release the alert digest", s.st.AlertDigestRelease(p))
}

// AlertDigestFailed records that the claimed digest could not be sent.
func (s *Store) AlertDigestFailed(ctx context.Context, p erp.AlertDigestFailedParams) error {
	return s.alertDigestEnd(ctx, "record the alert digest's failure", s.st.AlertDigestFailed(p))
}

func (s *Store) alertDigestEnd(ctx context.Context, what string, st Stmt) error {
	var n int64
	err := s.inTx(ctx, what, func(tx *sql.Tx) error {
		var err error
		n, err = s.exec(ctx, tx, st)
		return err
	})
	switch {
	case err != nil:
		return fmt.Errorf("%s: %w", what, err)
	case n == 0:
		return fmt.Errorf("%s: the claim is not this process's any more: %w", what, erp.ErrLockLost)
	}
	return nil
}

// AlertDigestList reads every shop's digest state.
func (s *Store) AlertDigestList(ctx context.Context) ([]erp.AlertDigest, error) {
	out, err := queryAll(ctx, s, "list the alert digests", s.st.AlertDigestList(), func(rows *sql.Rows) (erp.AlertDigest, error) {
		return scanAlertDigest(rows)
	})
	if err != nil {
		return nil, fmt.Errorf("list the alert digests: %w", err)
	}
	return out, nil
}

// ExecutionFailedList lists a shop's failed runs by when they finished.
func (s *Store) ExecutionFailedList(ctx context.Context, p erp.ExecutionFailedListParams) ([]erp.Execution, error) {
	out, err := s.executions(ctx, s.st.ExecutionFailedList(p))
	if err != nil {
		return nil, fmt.Errorf("list failed executions: %w", err)
	}
	return out, nil
}

func scanAlertDigest(row interface{ Scan(...any) error }) (erp.AlertDigest, error) {
	var d erp.AlertDigest
	var since, sent, claimed, failed sql.NullTime
	var items, failures int64
	if err := row.Scan(&d.Shop, &since, &sent, &items, &claimed, &d.ClaimedBy, &failed, &failures, &d.Error); err != nil {
		return d, err
	}
	d.Since, d.SentAt, d.ClaimedAt, d.FailedAt = timeOf(since), timeOf(sent), timeOf(claimed), timeOf(failed)
	d.Items, d.Failures = int(items), int(failures)
	return d, nil
}
