package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/ledger"
)

// maxActor is the length of the actor columns.
const maxActor = 100

// ledgerTotal is the ledger's total column, decimal(18,4) on every dialect: checked here so
// that every database refuses the same totals with the same message (SQLite would keep any).
var ledgerTotal = passthrough.Column{Name: "total", Kind: passthrough.KindDecimal, Precision: 18, Scale: 4}

func checkLedger(e ledger.Entry) error {
	switch {
	case e.Shop == "":
		return fmt.Errorf("the ledger entry needs a shop: %w", erp.ErrInvalidValue)
	case e.OrderID == 0:
		return fmt.Errorf("the ledger entry needs an order id: %w", erp.ErrInvalidValue)
	case e.Status != "" && !e.Status.Valid():
		return fmt.Errorf("ledger status %q is not one the ledger knows: %w", e.Status, erp.ErrInvalidValue)
	case e.Severity != "" && !e.Severity.Valid():
		return fmt.Errorf("ledger severity %q is not info, retry or error: %w", e.Severity, erp.ErrInvalidValue)
	case utf8.RuneCountInString(e.Actor) > maxActor:
		return fmt.Errorf("the ledger's actor is longer than %d characters: %w", maxActor, erp.ErrInvalidValue)
	}
	if err := decimalFits(ledgerTotal, e.Total.Round(int32(ledgerTotal.Scale))); err != nil {
		return fmt.Errorf("the ledger's total: %w: %w", err, erp.ErrInvalidValue)
	}
	return nil
}

// writeLedger upserts the entry and adds a history event: always, or only when status,
// severity or problem changed.
func (s *Store) writeLedger(ctx context.Context, tx *sql.Tx, e ledger.Entry, now time.Time, always bool, message string) error {
	changed := true
	if !always {
		st := s.st.LedgerLock(e.Shop, e.OrderID)
		var status, severity, problem string
		switch err := s.queryRow(ctx, tx, st).Scan(&status, &severity, &problem); {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return fmt.Errorf("read ledger: %w", err)
		default:
			changed = status != string(e.Status) || severity != string(e.Severity) || problem != e.Problem
		}
	}
	e.FirstSeenAt, e.UpdatedAt = now, now
	if r := []rune(e.OrderName); len(r) > 100 {
		e.OrderName = string(r[:100])
	}
	var ev *ledger.Event
	if changed {
		ev = &ledger.Event{Shop: e.Shop, OrderID: e.OrderID, At: now, Status: e.Status, Severity: e.Severity, Message: message,
			RunID: e.RunID, Actor: e.Actor}
	}
	for _, st := range s.st.LedgerWrite(e, ev) {
		if _, err := s.exec(ctx, tx, st); err != nil {
			return fmt.Errorf("write ledger: %w", err)
		}
	}
	return s.writeTerms(ctx, tx, e)
}

// LedgerPut records an order seen but not staged, or an operator's decision.
func (s *Store) LedgerPut(ctx context.Context, e ledger.Entry) error {
	if err := checkLedger(e); err != nil {
		return fmt.Errorf("put ledger entry: %w", err)
	}
	if e.Status == "" {
		return fmt.Errorf("put ledger entry %d: the entry needs a status: %w", e.OrderID, erp.ErrInvalidValue)
	}
	err := s.inTx(ctx, "put ledger entry", func(tx *sql.Tx) error {
		return s.writeLedger(ctx, tx, e, s.clock(), false, e.Problem)
	})
	if err != nil {
		return fmt.Errorf("put ledger entry %d: %w", e.OrderID, err)
	}
	return nil
}

// LedgerGet reads one entry with the ERP's import status.
func (s *Store) LedgerGet(ctx context.Context, shop string, orderID int64) (ledger.Entry, error) {
	h, err := s.table(ctx, s.header)
	if err != nil {
		return ledger.Entry{}, fmt.Errorf("get ledger entry: %w", err)
	}
	st, err := s.st.LedgerGet(h, shop, orderID)
	if err != nil {
		return ledger.Entry{}, fmt.Errorf("get ledger entry: %w", err)
	}
	var out []ledger.Entry
	if err := s.retry(ctx, "get ledger entry", func(ctx context.Context) error {
		out, err = s.ledgerQuery(ctx, st)
		return err
	}); err != nil {
		return ledger.Entry{}, fmt.Errorf("get ledger entry %d: %w", orderID, err)
	}
	if len(out) == 0 {
		return ledger.Entry{}, fmt.Errorf("ledger entry %s/%d: %w", shop, orderID, erp.ErrNotFound)
	}
	return out[0], nil
}

// LedgerList pages through the ledger.
func (s *Store) LedgerList(ctx context.Context, p erp.LedgerListParams) ([]ledger.Entry, error) {
	if p.Shop == "" {
		return nil, fmt.Errorf("list ledger: no shop given: %w", erp.ErrInvalidValue)
	}
	h, err := s.table(ctx, s.header)
	if err != nil {
		return nil, fmt.Errorf("list ledger: %w", err)
	}
	words, err := s.wordsByRarity(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("list ledger: %w", err)
	}
	st, err := s.st.ledgerList(h, p, words)
	if err != nil {
		return nil, fmt.Errorf("list ledger: %w", err)
	}
	var out []ledger.Entry
	if err := s.retry(ctx, "list ledger", func(ctx context.Context) error {
		out, err = s.ledgerQuery(ctx, st)
		return err
	}); err != nil {
		return nil, fmt.Errorf("list ledger: %w", err)
	}
	return out, nil
}

func (s *Store) ledgerQuery(ctx context.Context, st Stmt) ([]ledger.Entry, error) {
	rows, err := s.query(ctx, st)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ledger.Entry
	for rows.Next() {
		var e ledger.Entry
		var searchEmail, severity string
		var orderDate, shopifyUpdated, firstSeen, updated sql.NullTime
		var total decimal.NullDecimal
		var payload, importStatus, erpOrderNo sql.NullString
		var runID sql.NullInt64
		var attempts int64
		if err := rows.Scan(&e.Shop, &e.OrderID, &e.OrderName, &orderDate, &e.CustomerName, &e.CustomerEmail, &searchEmail,
			&total, &e.Currency, &e.Status, &severity, &e.Problem, &attempts, &e.PayloadHash,
			&shopifyUpdated, &runID, &e.Actor, &firstSeen, &updated, &payload, &importStatus, &erpOrderNo); err != nil {
			return nil, err
		}
		e.OrderDate, e.ShopifyUpdatedAt = timeOf(orderDate), timeOf(shopifyUpdated)
		e.FirstSeenAt, e.UpdatedAt = timeOf(firstSeen), timeOf(updated)
		e.Total, e.Severity, e.Attempts, e.RunID = total.Decimal, passthrough.Severity(severity), int(attempts), runID.Int64
		if payload.Valid {
			e.Payload = json.RawMessage(payload.String)
		}
		e.ImportStatus, e.ERPOrderNo = strings.TrimSpace(importStatus.String), strings.TrimSpace(erpOrderNo.String)
		out = append(out, e)
	}
	return out, rows.Err()
}

// LedgerEventList reads an order's history.
func (s *Store) LedgerEventList(ctx context.Context, shop string, orderID int64) ([]ledger.Event, error) {
	st := s.st.LedgerEventList(shop, orderID)
	out, err := queryAll(ctx, s, "list ledger events", st, func(rows *sql.Rows) (ledger.Event, error) {
		var ev ledger.Event
		var at sql.NullTime
		var severity string
		var runID sql.NullInt64
		if err := rows.Scan(&ev.Shop, &ev.OrderID, &at, &ev.Status, &severity, &ev.Message, &runID, &ev.Actor); err != nil {
			return ev, err
		}
		ev.At, ev.Severity, ev.RunID = timeOf(at), passthrough.Severity(severity), runID.Int64
		return ev, nil
	})
	if err != nil {
		return nil, fmt.Errorf("list ledger events of %d: %w", orderID, err)
	}
	return out, nil
}

// timeOf is a time read back: UTC, the zero time for NULL.
func timeOf(t sql.NullTime) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return Normalize(t.Time)
}
