package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/passthrough-dev/passthrough/adapters/erp"
)

// maxAuditDetail is the length of pt_audit.detail (SQL Server's nvarchar(2000)); a longer
// detail is cut, since the start of it says enough.
const maxAuditDetail = 2000

// AuditAdd records one action a person took.
func (s *Store) AuditAdd(ctx context.Context, e erp.AuditEntry) error {
	switch {
	case e.Actor == "" || e.Action == "":
		return fmt.Errorf("add to the audit log: an entry needs an actor and an action: %w", erp.ErrInvalidValue)
	case utf8.RuneCountInString(e.Actor) > maxActor:
		return fmt.Errorf("add to the audit log: the actor is longer than %d characters: %w", maxActor, erp.ErrInvalidValue)
	case utf8.RuneCountInString(e.Action) > 50:
		return fmt.Errorf("add to the audit log: the action is longer than 50 characters: %w", erp.ErrInvalidValue)
	}
	if e.At.IsZero() {
		e.At = s.clock()
	}
	if r := []rune(e.Target); len(r) > 200 {
		e.Target = string(r[:199]) + "…"
	}
	if r := []rune(e.Detail); len(r) > maxAuditDetail {
		e.Detail = string(r[:maxAuditDetail-1]) + "…"
	}
	// Not retried after a lost answer: an action must not be logged twice.
	if _, err := s.exec(ctx, nil, s.st.AuditAdd(e)); err != nil {
		return fmt.Errorf("add to the audit log: %w", s.mapErr(err))
	}
	return nil
}

// AuditList pages through the log, newest first.
func (s *Store) AuditList(ctx context.Context, p erp.AuditListParams) ([]erp.AuditEntry, error) {
	out, err := queryAll(ctx, s, "list the audit log", s.st.AuditList(p), func(rows *sql.Rows) (erp.AuditEntry, error) {
		var e erp.AuditEntry
		var at sql.NullTime
		if err := rows.Scan(&e.ID, &e.Shop, &at, &e.Actor, &e.Action, &e.Target, &e.Detail); err != nil {
			return e, err
		}
		e.At = timeOf(at)
		return e, nil
	})
	if err != nil {
		return nil, fmt.Errorf("list the audit log: %w", err)
	}
	return out, nil
}

// AuditAdd appends one entry to the audit log.
func (st Statements) AuditAdd(e erp.AuditEntry) Stmt {
	p := &params{d: st.d}
	vals := []string{p.add(st.text(e.Shop)), p.add(st.time(e.At)), p.add(st.text(e.Actor)), p.add(st.text(e.Action)),
		p.add(st.text(e.Target)), p.add(st.text(e.Detail))}
	return Stmt{SQL: "INSERT INTO " + st.name("pt_audit") + " (shop, acted_at, actor, action, target, detail) VALUES (" +
		strings.Join(vals, ", ") + ")", Args: p.args}
}

// AuditList pages through the log by id, newest first, on the (shop, id) index.
func (st Statements) AuditList(lp erp.AuditListParams) Stmt {
	p := &params{d: st.d}
	var where []string
	if len(lp.Shops) > 0 {
		in := make([]string, len(lp.Shops))
		for i, shop := range lp.Shops {
			in[i] = p.add(st.text(shop))
		}
		where = append(where, "shop IN ("+strings.Join(in, ", ")+")")
	}
	if lp.Actor != "" {
		where = append(where, "actor = "+p.add(st.text(lp.Actor)))
	}
	if lp.Action != "" {
		where = append(where, "action = "+p.add(st.text(lp.Action)))
	}
	if lp.BeforeID > 0 {
		where = append(where, "id < "+p.add(st.int64(lp.BeforeID)))
	}
	q := "SELECT id, shop, acted_at, actor, action, target, detail FROM " + st.name("pt_audit")
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	return Stmt{SQL: q + " ORDER BY id DESC" + st.d.Limit(p.add(st.int64(int64(limit(lp.Limit, 50, 1000))))), Args: p.args}
}
