package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/ledger"
)

// --- statements ----------------------------------------------------------------------------

const deliveryCols = "id, shop, webhook_id, event_id, topic, api_version, order_id, triggered_at, received_at, state, claimed_by, attempts, due_at, error, body"

// WebhookFind looks a delivery up by its shop and webhook id, holding the key (or, where
// the database can, the gap a new one would fill) until the transaction ends.
func (st Statements) WebhookFind(shop, webhookID string) Stmt {
	p := &params{d: st.d}
	w := "shop = " + p.add(st.text(shop)) + " AND webhook_id = " + p.add(st.text(webhookID))
	return Stmt{SQL: st.d.SelectForUpdate(st.name("pt_webhook_deliveries"), []string{"id"}, w), Args: p.args}
}

// WebhookInsert stores a new delivery, pending from its arrival, and answers its id.
func (st Statements) WebhookInsert(d erp.WebhookDelivery) Stmt {
	return Stmt{SQL: st.d.InsertID(st.name("pt_webhook_deliveries"), []string{"shop", "webhook_id", "event_id", "topic", "api_version",
		"order_id", "triggered_at", "received_at", "state", "due_at", "body"}, "id"),
		Args: []any{st.text(d.Shop), st.text(d.WebhookID), st.text(d.EventID), st.text(d.Topic), st.text(d.APIVersion),
			st.int64(d.OrderID), st.time(d.TriggeredAt), st.time(d.ReceivedAt), st.text(erp.WebhookPending), st.time(d.ReceivedAt),
			st.text(string(d.Body))}}
}

// WebhookTopicBump counts deliveries on a topic that has had some before.
func (st Statements) WebhookTopicBump(shop, topic string, at time.Time, received, duplicates int) Stmt {
	p := &params{d: st.d}
	q := "UPDATE " + st.name("pt_webhook_topics") + " SET received = received + " + p.add(st.int64(int64(received))) +
		", duplicates = duplicates + " + p.add(st.int64(int64(duplicates)))
	atPh := p.add(st.time(at))
	q += ", last_received_at = CASE WHEN last_received_at < " + atPh + " THEN " + p.add(st.time(at)) + " ELSE last_received_at END"
	return st.counted(q, "shop = "+p.add(st.text(shop))+" AND topic = "+p.add(st.text(topic)), p.args)
}

// WebhookTopicInsert starts a topic's counts.
func (st Statements) WebhookTopicInsert(shop, topic string, at time.Time, received, duplicates int) Stmt {
	p := &params{d: st.d}
	ph := []string{p.add(st.text(shop)), p.add(st.text(topic)), p.add(st.time(at)), p.add(st.int64(int64(received))),
		p.add(st.int64(int64(duplicates)))}
	return Stmt{SQL: "INSERT INTO " + st.name("pt_webhook_topics") + " (shop, topic, last_received_at, received, duplicates) VALUES (" +
		strings.Join(ph, ", ") + ")", Args: p.args}
}

// WebhookClaimLock takes the one row every claim updates, so claims happen one at a time.
func (st Statements) WebhookClaimLock() Stmt {
	return Stmt{SQL: "UPDATE " + st.name("pt_webhook_claims") + " SET claims = claims + 1 WHERE id = 1"}
}

// WebhookDue lists the deliveries a claim may take: pending ones that are due and working
// ones whose claim has lapsed, oldest first.
func (st Statements) WebhookDue(now time.Time, limit int) Stmt {
	p := &params{d: st.d}
	q := "SELECT id, shop, order_id FROM " + st.name("pt_webhook_deliveries") + " WHERE state IN (" + p.add(st.text(erp.WebhookPending)) + ", " +
		p.add(st.text(erp.WebhookWorking)) + ") AND due_at <= " + p.add(st.time(now)) + " ORDER BY id" + st.d.Limit(p.add(st.int64(int64(limit))))
	return Stmt{SQL: q, Args: p.args}
}

// WebhookBusy lists the orders a live claim is working on.
func (st Statements) WebhookBusy(now time.Time) Stmt {
	p := &params{d: st.d}
	return Stmt{SQL: "SELECT DISTINCT shop, order_id FROM " + st.name("pt_webhook_deliveries") + " WHERE state = " + p.add(st.text(erp.WebhookWorking)) +
		" AND due_at > " + p.add(st.time(now)) + " AND order_id <> 0", Args: p.args}
}

// WebhookMarkClaimed marks deliveries working for a worker until a time.
func (st Statements) WebhookMarkClaimed(ids []int64, worker string, until time.Time) Stmt {
	p := &params{d: st.d}
	q := "UPDATE " + st.name("pt_webhook_deliveries") + " SET state = " + p.add(st.text(erp.WebhookWorking)) + ", claimed_by = " + p.add(st.text(worker)) +
		", due_at = " + p.add(st.time(until)) + ", attempts = attempts + 1 WHERE id IN (" + st.ids(p, ids) + ")"
	return Stmt{SQL: q, Args: p.args}
}

// WebhookGet reads deliveries by id, in id order.
func (st Statements) WebhookGet(ids []int64) Stmt {
	p := &params{d: st.d}
	return Stmt{SQL: "SELECT " + deliveryCols + " FROM " + st.name("pt_webhook_deliveries") + " WHERE id IN (" + st.ids(p, ids) + ") ORDER BY id", Args: p.args}
}

// WebhookFinish records what became of a claimed delivery, if the worker still holds it. A
// delivery done keeps no body.
func (st Statements) WebhookFinish(f erp.WebhookFinishParams) Stmt {
	p := &params{d: st.d}
	due := f.At
	if f.State == erp.WebhookPending {
		due = f.RetryAt
	}
	q := "UPDATE " + st.name("pt_webhook_deliveries") + " SET state = " + p.add(st.text(f.State)) + ", error = " + p.add(st.text(f.Error)) +
		", due_at = " + p.add(st.time(due)) + ", finished_at = " + p.add(st.time(f.At))
	if f.State == erp.WebhookDone {
		q += ", body = NULL"
	}
	w := "id = " + p.add(st.int64(f.ID)) + " AND claimed_by = " + p.add(st.text(f.Worker)) + " AND state = " + p.add(st.text(erp.WebhookWorking))
	return st.counted(q, w, p.args)
}

// WebhookTopicList reads a shop's counts per topic.
func (st Statements) WebhookTopicList(shop string) Stmt {
	p := &params{d: st.d}
	return Stmt{SQL: "SELECT topic, last_received_at, received, duplicates FROM " + st.name("pt_webhook_topics") + " WHERE shop = " +
		p.add(st.text(shop)) + " ORDER BY topic", Args: p.args}
}

// WebhookBacklog counts a shop's deliveries not done, by state.
func (st Statements) WebhookBacklog(shop string) Stmt {
	p := &params{d: st.d}
	return Stmt{SQL: "SELECT state, COUNT(*) FROM " + st.name("pt_webhook_deliveries") + " WHERE state IN (" +
		p.add(st.text(erp.WebhookPending)) + ", " + p.add(st.text(erp.WebhookWorking)) + ", " + p.add(st.text(erp.WebhookFailed)) +
		") AND shop = " + p.add(st.text(shop)) + " GROUP BY state", Args: p.args}
}

// WebhookOldestPending reads when the shop's oldest pending delivery came. (Not MIN in
// the count: SQLite hands an aggregate of a time column back as text.)
func (st Statements) WebhookOldestPending(shop string) Stmt {
	p := &params{d: st.d}
	return Stmt{SQL: "SELECT received_at FROM " + st.name("pt_webhook_deliveries") + " WHERE state = " + p.add(st.text(erp.WebhookPending)) +
		" AND shop = " + p.add(st.text(shop)) + " ORDER BY id" + st.d.Limit(p.add(st.int64(1))), Args: p.args}
}

// WebhookLastError reads the error of the shop's latest delivery that failed or waits to be
// tried again.
func (st Statements) WebhookLastError(shop string) Stmt {
	p := &params{d: st.d}
	return Stmt{SQL: "SELECT error FROM " + st.name("pt_webhook_deliveries") + " WHERE state IN (" + p.add(st.text(erp.WebhookPending)) + ", " +
		p.add(st.text(erp.WebhookFailed)) + ") AND shop = " + p.add(st.text(shop)) + " AND error <> " + p.add(st.text("")) +
		" ORDER BY id DESC" + st.d.Limit(p.add(st.int64(1))), Args: p.args}
}

// WebhookPrune deletes deliveries done before a time.
func (st Statements) WebhookPrune(before time.Time) Stmt {
	p := &params{d: st.d}
	return st.counted("DELETE FROM "+st.name("pt_webhook_deliveries"),
		"state = "+p.add(st.text(erp.WebhookDone))+" AND finished_at < "+p.add(st.time(before)), p.args)
}

// WebhookRedact drops the bodies of a shop's deliveries about some orders, or about every
// order when ids is empty; those not worked yet are done, with nothing left to work.
func (st Statements) WebhookRedact(shop string, ids []int64, at time.Time) Stmt {
	p := &params{d: st.d}
	open := "state IN (" + p.add(st.text(erp.WebhookPending)) + ", " + p.add(st.text(erp.WebhookWorking)) + ")"
	q := "UPDATE " + st.name("pt_webhook_deliveries") + " SET body = NULL, error = CASE WHEN " + open + " THEN " +
		p.add(st.text("its personal data was removed before it was worked")) + " ELSE error END"
	q += ", finished_at = CASE WHEN state IN (" + p.add(st.text(erp.WebhookPending)) + ", " + p.add(st.text(erp.WebhookWorking)) +
		") THEN " + p.add(st.time(at)) + " ELSE finished_at END"
	q += ", state = CASE WHEN state IN (" + p.add(st.text(erp.WebhookPending)) + ", " + p.add(st.text(erp.WebhookWorking)) +
		") THEN " + p.add(st.text(erp.WebhookDone)) + " ELSE state END"
	w := "shop = " + p.add(st.text(shop)) + " AND body IS NOT NULL"
	if len(ids) > 0 {
		w += " AND order_id IN (" + st.ids(p, ids) + ")"
	} else {
		// Not the deliveries about no order (the privacy requests, app/uninstalled): the
		// shop's redaction is one of them, being worked now, and must still record itself;
		// each loses its body when it is done.
		w += " AND order_id <> 0"
	}
	return st.counted(q, w, p.args)
}

// LedgerRedact blanks one ledger entry's customer and replaces its payload.
func (st Statements) LedgerRedact(shop string, orderID int64, payload json.RawMessage) Stmt {
	p := &params{d: st.d}
	blank := st.text("")
	q := "UPDATE " + st.name("pt_order_ledger") + " SET customer_name = " + p.add(blank) + ", customer_email = " + p.add(blank) +
		", search_email = " + p.add(blank) + ", payload = " + p.add(st.textOrNull(string(payload)))
	return st.counted(q, "shop = "+p.add(st.text(shop))+" AND order_id = "+p.add(st.int64(orderID)), p.args)
}

// LedgerRedactShop blanks the customer and drops the payload of every entry of a shop.
func (st Statements) LedgerRedactShop(shop string) Stmt {
	p := &params{d: st.d}
	blank := st.text("")
	q := "UPDATE " + st.name("pt_order_ledger") + " SET customer_name = " + p.add(blank) + ", customer_email = " + p.add(blank) +
		", search_email = " + p.add(blank) + ", payload = NULL"
	return st.counted(q, "shop = "+p.add(st.text(shop)), p.args)
}

const redactionCols = "id, shop, topic, customer_id, order_ids, request_id, entries, deliveries, received_at, done_at"

// RedactionAdd records a privacy request.
func (st Statements) RedactionAdd(r erp.Redaction) Stmt {
	ids := make([]string, len(r.OrderIDs))
	for i, id := range r.OrderIDs {
		ids[i] = strconv.FormatInt(id, 10)
	}
	return Stmt{SQL: st.d.InsertID(st.name("pt_redactions"), []string{"shop", "topic", "customer_id", "order_ids", "request_id", "entries",
		"deliveries", "received_at", "done_at"}, "id"),
		Args: []any{st.text(r.Shop), st.text(r.Topic), st.int64(r.CustomerID), st.text(strings.Join(ids, ",")), st.text(r.RequestID),
			st.int64(int64(r.Entries)), st.int64(int64(r.Deliveries)), st.time(r.ReceivedAt), st.time(r.DoneAt)}}
}

// RedactionList reads a shop's privacy requests, newest first.
func (st Statements) RedactionList(shop string, limit int) Stmt {
	p := &params{d: st.d}
	return Stmt{SQL: "SELECT " + redactionCols + " FROM " + st.name("pt_redactions") + " WHERE shop = " + p.add(st.text(shop)) +
		" ORDER BY id DESC" + st.d.Limit(p.add(st.int64(int64(limit)))), Args: p.args}
}

// ids writes one placeholder per id.
func (st Statements) ids(p *params, ids []int64) string {
	ph := make([]string, len(ids))
	for i, id := range ids {
		ph[i] = p.add(st.int64(id))
	}
	return strings.Join(ph, ", ")
}

// webhookSamples are the statements above for the catalog, built from representative
// inputs.
func webhookSamples(st Statements, at time.Time) []Sample {
	d := erp.WebhookDelivery{Shop: "acme", WebhookID: "b54557e4-6e4a-4e5c-9b3a-6d1c2f1e0a11", EventID: "98880550",
		Topic: "orders/paid", APIVersion: "2026-07", OrderID: 450789469, TriggeredAt: at.Add(-time.Second), ReceivedAt: at,
		Body: json.RawMessage(`{"id":450789469}`)}
	ids := []int64{41, 42, 43}
	return []Sample{
		{"WebhookFind", st.WebhookFind(d.Shop, d.WebhookID)},
		{"WebhookInsert", st.WebhookInsert(d)},
		{"WebhookTopicBump", st.WebhookTopicBump("acme", "orders/paid", at, 1, 0)},
		{"WebhookTopicInsert", st.WebhookTopicInsert("acme", "orders/paid", at, 1, 0)},
		{"WebhookClaimLock", st.WebhookClaimLock()},
		{"WebhookDue", st.WebhookDue(at, 80)},
		{"WebhookBusy", st.WebhookBusy(at)},
		{"WebhookMarkClaimed", st.WebhookMarkClaimed(ids, "host-1/4711", at.Add(2*time.Minute))},
		{"WebhookGet", st.WebhookGet(ids)},
		{"WebhookFinish/done", st.WebhookFinish(erp.WebhookFinishParams{ID: 41, Worker: "host-1/4711", State: erp.WebhookDone, At: at})},
		{"WebhookFinish/again", st.WebhookFinish(erp.WebhookFinishParams{ID: 41, Worker: "host-1/4711", State: erp.WebhookPending,
			Error: "stage order 450789469: temporary database failure", At: at, RetryAt: at.Add(4 * time.Second)})},
		{"WebhookTopicList", st.WebhookTopicList("acme")},
		{"WebhookBacklog", st.WebhookBacklog("acme")},
		{"WebhookOldestPending", st.WebhookOldestPending("acme")},
		{"WebhookLastError", st.WebhookLastError("acme")},
		{"WebhookPrune", st.WebhookPrune(at.AddDate(0, 0, -7))},
		{"WebhookRedact", st.WebhookRedact("acme", []int64{450789469, 450789470}, at)},
		{"WebhookRedact/whole-shop", st.WebhookRedact("acme", nil, at)},
		{"LedgerRedact", st.LedgerRedact("acme", 450789469, json.RawMessage(`{"id":450789469,"email":null}`))},
		{"LedgerRedactShop", st.LedgerRedactShop("acme")},
		{"RedactionAdd", st.RedactionAdd(erp.Redaction{Shop: "acme", Topic: "customers/redact", CustomerID: 207119551,
			OrderIDs: []int64{450789469, 450789470}, Entries: 2, Deliveries: 1, ReceivedAt: at, DoneAt: at})},
		{"RedactionList", st.RedactionList("acme", 50)},
	}
}

// --- the store ---------------------------------------------------------------------------

// maxWebhookText is the length of the deliveries' id and topic columns.
const maxWebhookText = 100

// WebhookReceive stores a delivery unless the shop has one with its webhook id.
func (s *Store) WebhookReceive(ctx context.Context, d erp.WebhookDelivery) (erp.WebhookReceipt, error) {
	switch {
	case d.Shop == "" || d.WebhookID == "" || d.Topic == "":
		return erp.WebhookReceipt{}, fmt.Errorf("receive webhook: a delivery needs a shop, a webhook id and a topic: %w", erp.ErrInvalidValue)
	case len(d.Body) == 0:
		return erp.WebhookReceipt{}, fmt.Errorf("receive webhook %s: no body: %w", d.WebhookID, erp.ErrInvalidValue)
	}
	for _, v := range []string{d.Shop, d.WebhookID, d.EventID, d.Topic} {
		if utf8.RuneCountInString(v) > maxWebhookText {
			return erp.WebhookReceipt{}, fmt.Errorf("receive webhook: %q is longer than %d characters: %w", v, maxWebhookText, erp.ErrInvalidValue)
		}
	}
	if d.ReceivedAt.IsZero() {
		d.ReceivedAt = s.clock()
	}
	var out erp.WebhookReceipt
	receive := func(tx *sql.Tx) error {
		out = erp.WebhookReceipt{}
		switch err := s.queryRow(ctx, tx, s.st.WebhookFind(d.Shop, d.WebhookID)).Scan(&out.ID); {
		case err == nil:
			out.Duplicate = true
			return s.countTopic(ctx, tx, d.Shop, d.Topic, d.ReceivedAt, 0, 1)
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("look for the delivery: %w", err)
		}
		if err := s.queryRow(ctx, tx, s.st.WebhookInsert(d)).Scan(&out.ID); err != nil {
			return fmt.Errorf("store the delivery: %w", err)
		}
		return s.countTopic(ctx, tx, d.Shop, d.Topic, d.ReceivedAt, 1, 0)
	}
	if err := s.inTxOnce(ctx, "receive webhook", receive); err != nil {
		return erp.WebhookReceipt{}, fmt.Errorf("receive webhook %s: %w", d.WebhookID, err)
	}
	return out, nil
}

// inTxOnce is inTx that runs fn once more when it hit a unique key another transaction
// wrote at the same moment: the second time it sees that row.
func (s *Store) inTxOnce(ctx context.Context, what string, fn func(tx *sql.Tx) error) error {
	err := s.inTx(ctx, what, fn)
	if errors.Is(err, erp.ErrDuplicate) {
		err = s.inTx(ctx, what, fn)
	}
	return err
}

// countTopic adds to a topic's counts, starting them when the topic is new.
func (s *Store) countTopic(ctx context.Context, tx *sql.Tx, shop, topic string, at time.Time, received, duplicates int) error {
	n, err := s.exec(ctx, tx, s.st.WebhookTopicBump(shop, topic, at, received, duplicates))
	if err != nil {
		return fmt.Errorf("count the topic: %w", err)
	}
	if n == 0 {
		if _, err := s.exec(ctx, tx, s.st.WebhookTopicInsert(shop, topic, at, received, duplicates)); err != nil {
			return fmt.Errorf("count the topic: %w", err)
		}
	}
	return nil
}

// WebhookIgnore counts a delivery of a topic passthrough does not handle.
func (s *Store) WebhookIgnore(ctx context.Context, shop, topic string, at time.Time) error {
	if shop == "" || topic == "" || utf8.RuneCountInString(topic) > maxWebhookText {
		return fmt.Errorf("count ignored webhook: a shop and a topic of at most %d characters: %w", maxWebhookText, erp.ErrInvalidValue)
	}
	if at.IsZero() {
		at = s.clock()
	}
	err := s.inTxOnce(ctx, "count ignored webhook", func(tx *sql.Tx) error {
		return s.countTopic(ctx, tx, shop, topic, at, 1, 0)
	})
	if err != nil {
		return fmt.Errorf("count ignored webhook %s: %w", topic, err)
	}
	return nil
}

// WebhookClaim claims due deliveries, one claim at a time across every process.
func (s *Store) WebhookClaim(ctx context.Context, p erp.WebhookClaimParams) ([]erp.WebhookDelivery, error) {
	if p.Worker == "" || p.Now.IsZero() || !p.Until.After(p.Now) {
		return nil, fmt.Errorf("claim webhooks: a claim needs a worker and a time it lapses after now: %w", erp.ErrInvalidValue)
	}
	if p.Limit <= 0 {
		p.Limit = 20
	}
	type key struct {
		shop  string
		order int64
	}
	var out []erp.WebhookDelivery
	err := s.inTx(ctx, "claim webhooks", func(tx *sql.Tx) error {
		out = out[:0]
		if _, err := s.exec(ctx, tx, s.st.WebhookClaimLock()); err != nil {
			return fmt.Errorf("take the claim lock: %w", err)
		}
		busy := map[key]bool{}
		err := s.eachRow(ctx, tx, s.st.WebhookBusy(p.Now), func(rows *sql.Rows) error {
			var k key
			if err := rows.Scan(&k.shop, &k.order); err != nil {
				return err
			}
			busy[k] = true
			return nil
		})
		if err != nil {
			return fmt.Errorf("list busy orders: %w", err)
		}
		// Look a little further than the limit: some due deliveries may be of busy orders.
		var ids []int64
		err = s.eachRow(ctx, tx, s.st.WebhookDue(p.Now, 4*p.Limit), func(rows *sql.Rows) error {
			var id int64
			var k key
			if err := rows.Scan(&id, &k.shop, &k.order); err != nil {
				return err
			}
			if len(ids) < p.Limit && (k.order == 0 || !busy[k]) {
				ids = append(ids, id)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("list due deliveries: %w", err)
		}
		if len(ids) == 0 {
			return nil
		}
		if _, err := s.exec(ctx, tx, s.st.WebhookMarkClaimed(ids, p.Worker, p.Until)); err != nil {
			return fmt.Errorf("mark deliveries claimed: %w", err)
		}
		return s.eachRow(ctx, tx, s.st.WebhookGet(ids), func(rows *sql.Rows) error {
			d, err := scanDelivery(rows)
			if err != nil {
				return err
			}
			out = append(out, d)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("claim webhooks: %w", err)
	}
	return slices.Clone(out), nil
}

// eachRow runs a query inside tx and calls fn for each row.
func (s *Store) eachRow(ctx context.Context, tx *sql.Tx, st Stmt, fn func(*sql.Rows) error) error {
	rows, err := tx.QueryContext(ctx, st.SQL, st.Args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

func scanDelivery(rows *sql.Rows) (erp.WebhookDelivery, error) {
	var d erp.WebhookDelivery
	var triggered, received, due sql.NullTime
	var attempts int64
	var body sql.NullString
	if err := rows.Scan(&d.ID, &d.Shop, &d.WebhookID, &d.EventID, &d.Topic, &d.APIVersion, &d.OrderID, &triggered, &received,
		&d.State, &d.ClaimedBy, &attempts, &due, &d.Error, &body); err != nil {
		return d, err
	}
	d.TriggeredAt, d.ReceivedAt, d.DueAt, d.Attempts = timeOf(triggered), timeOf(received), timeOf(due), int(attempts)
	if body.Valid {
		d.Body = json.RawMessage(body.String)
	}
	return d, nil
}

// WebhookFinish records what became of a claimed delivery.
func (s *Store) WebhookFinish(ctx context.Context, p erp.WebhookFinishParams) error {
	switch p.State {
	case erp.WebhookDone, erp.WebhookFailed:
	case erp.WebhookPending:
		if p.RetryAt.IsZero() {
			return fmt.Errorf("finish webhook %d: a delivery tried again needs a time to be tried: %w", p.ID, erp.ErrInvalidValue)
		}
	default:
		return fmt.Errorf("finish webhook %d: state %q is not done, pending or failed: %w", p.ID, p.State, erp.ErrInvalidValue)
	}
	if p.At.IsZero() {
		p.At = s.clock()
	}
	st := s.st.WebhookFinish(p)
	var n int64
	err := s.inTx(ctx, "finish webhook", func(tx *sql.Tx) (err error) {
		n, err = s.exec(ctx, tx, st)
		return err
	})
	if err != nil {
		return fmt.Errorf("finish webhook %d: %w", p.ID, err)
	}
	if n == 0 {
		return fmt.Errorf("webhook %d is not claimed by %s: %w", p.ID, p.Worker, erp.ErrNotFound)
	}
	return nil
}

// WebhookTopicList reads a shop's counts per topic.
func (s *Store) WebhookTopicList(ctx context.Context, shop string) ([]erp.WebhookTopic, error) {
	out, err := queryAll(ctx, s, "list webhook topics", s.st.WebhookTopicList(shop), func(rows *sql.Rows) (erp.WebhookTopic, error) {
		var t erp.WebhookTopic
		var at sql.NullTime
		var received, duplicates int64
		if err := rows.Scan(&t.Topic, &at, &received, &duplicates); err != nil {
			return t, err
		}
		t.LastReceived, t.Received, t.Duplicates = timeOf(at), int(received), int(duplicates)
		return t, nil
	})
	if err != nil {
		return nil, fmt.Errorf("list webhook topics of %s: %w", shop, err)
	}
	return out, nil
}

// WebhookBacklog counts a shop's deliveries not done.
func (s *Store) WebhookBacklog(ctx context.Context, shop string) (erp.WebhookBacklog, error) {
	var b erp.WebhookBacklog
	err := s.retry(ctx, "count webhook backlog", func(ctx context.Context) error {
		b = erp.WebhookBacklog{}
		rows, err := s.query(ctx, s.st.WebhookBacklog(shop))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var state string
			var n int64
			if err := rows.Scan(&state, &n); err != nil {
				return err
			}
			switch state {
			case erp.WebhookPending:
				b.Pending = int(n)
			case erp.WebhookWorking:
				b.Working = int(n)
			case erp.WebhookFailed:
				b.Failed = int(n)
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if b.Pending > 0 {
			var oldest sql.NullTime
			// (None when a worker took the last one in between.)
			if err := s.queryRow(ctx, nil, s.st.WebhookOldestPending(shop)).Scan(&oldest); err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			b.OldestPending = timeOf(oldest)
		}
		err = s.queryRow(ctx, nil, s.st.WebhookLastError(shop)).Scan(&b.LastError)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	if err != nil {
		return erp.WebhookBacklog{}, fmt.Errorf("count webhook backlog of %s: %w", shop, err)
	}
	return b, nil
}

// WebhookPrune deletes deliveries done before a time.
func (s *Store) WebhookPrune(ctx context.Context, before time.Time) (int, error) {
	if before.IsZero() {
		return 0, fmt.Errorf("prune webhooks: no time given: %w", erp.ErrInvalidValue)
	}
	st := s.st.WebhookPrune(before)
	var n int64
	err := s.inTx(ctx, "prune webhooks", func(tx *sql.Tx) (err error) {
		n, err = s.exec(ctx, tx, st)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("prune webhooks: %w", err)
	}
	return int(n), nil
}

// WebhookRedact drops the bodies of a shop's deliveries about some orders.
func (s *Store) WebhookRedact(ctx context.Context, shop string, orderIDs []int64) (int, error) {
	if shop == "" {
		return 0, fmt.Errorf("redact webhooks: no shop given: %w", erp.ErrInvalidValue)
	}
	if len(orderIDs) == 0 {
		return 0, nil
	}
	now := s.clock()
	total := 0
	err := s.inTx(ctx, "redact webhooks", func(tx *sql.Tx) error {
		total = 0
		for ids := range slices.Chunk(orderIDs, 500) {
			n, err := s.exec(ctx, tx, s.st.WebhookRedact(shop, ids, now))
			if err != nil {
				return err
			}
			total += int(n)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("redact webhooks of %s: %w", shop, err)
	}
	return total, nil
}

// LedgerRedact takes the personal data out of one ledger entry and says so in its history.
func (s *Store) LedgerRedact(ctx context.Context, p erp.LedgerRedactParams) error {
	if p.Shop == "" || p.OrderID == 0 {
		return fmt.Errorf("redact ledger entry: a shop and an order id: %w", erp.ErrInvalidValue)
	}
	err := s.inTx(ctx, "redact ledger entry", func(tx *sql.Tx) error {
		var status, severity, problem string
		switch err := s.queryRow(ctx, tx, s.st.LedgerLock(p.Shop, p.OrderID)).Scan(&status, &severity, &problem); {
		case errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("ledger entry %s/%d: %w", p.Shop, p.OrderID, erp.ErrNotFound)
		case err != nil:
			return fmt.Errorf("read ledger: %w", err)
		}
		if _, err := s.exec(ctx, tx, s.st.LedgerRedact(p.Shop, p.OrderID, p.Payload)); err != nil {
			return fmt.Errorf("write ledger: %w", err)
		}
		ev := ledger.Event{Shop: p.Shop, OrderID: p.OrderID, At: s.clock(), Status: ledger.Status(status),
			Severity: passthrough.Severity(severity), Message: p.Message}
		if _, err := s.exec(ctx, tx, s.st.LedgerEventAdd(ev)); err != nil {
			return fmt.Errorf("write ledger event: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("redact ledger entry %d: %w", p.OrderID, err)
	}
	return nil
}

// ShopRedact takes the personal data out of every ledger entry and stored delivery of a
// shop.
func (s *Store) ShopRedact(ctx context.Context, shop string) (int, int, error) {
	if shop == "" {
		return 0, 0, fmt.Errorf("redact shop: no shop given: %w", erp.ErrInvalidValue)
	}
	var entries, deliveries int64
	err := s.inTx(ctx, "redact shop", func(tx *sql.Tx) (err error) {
		if entries, err = s.exec(ctx, tx, s.st.LedgerRedactShop(shop)); err != nil {
			return err
		}
		deliveries, err = s.exec(ctx, tx, s.st.WebhookRedact(shop, nil, s.clock()))
		return err
	})
	if err != nil {
		return 0, 0, fmt.Errorf("redact shop %s: %w", shop, err)
	}
	return int(entries), int(deliveries), nil
}

// RedactionAdd records a privacy request.
func (s *Store) RedactionAdd(ctx context.Context, r erp.Redaction) error {
	if r.Shop == "" || r.Topic == "" || r.ReceivedAt.IsZero() {
		return fmt.Errorf("record privacy request: a shop, a topic and when it came: %w", erp.ErrInvalidValue)
	}
	if r.DoneAt.IsZero() {
		r.DoneAt = s.clock()
	}
	var id int64
	// Not retried, like ExecutionStart: a lost answer must not record the request twice.
	if err := s.queryRow(ctx, nil, s.st.RedactionAdd(r)).Scan(&id); err != nil {
		return fmt.Errorf("record privacy request %s: %w", r.Topic, s.mapErr(err))
	}
	return nil
}

// RedactionList reads a shop's privacy requests, newest first.
func (s *Store) RedactionList(ctx context.Context, shop string, n int) ([]erp.Redaction, error) {
	st := s.st.RedactionList(shop, limit(n, 50, 1000))
	out, err := queryAll(ctx, s, "list privacy requests", st, func(rows *sql.Rows) (erp.Redaction, error) {
		var r erp.Redaction
		var ids string
		var entries, deliveries int64
		var received, done sql.NullTime
		if err := rows.Scan(&r.ID, &r.Shop, &r.Topic, &r.CustomerID, &ids, &r.RequestID, &entries, &deliveries, &received, &done); err != nil {
			return r, err
		}
		r.Entries, r.Deliveries, r.ReceivedAt, r.DoneAt = int(entries), int(deliveries), timeOf(received), timeOf(done)
		for _, f := range strings.Split(ids, ",") {
			if id, err := strconv.ParseInt(strings.TrimSpace(f), 10, 64); err == nil {
				r.OrderIDs = append(r.OrderIDs, id)
			}
		}
		return r, nil
	})
	if err != nil {
		return nil, fmt.Errorf("list privacy requests of %s: %w", shop, err)
	}
	return out, nil
}
