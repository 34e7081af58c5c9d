package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/ledger"
)

// countLimit bounds LedgerCount: 10,000 by default, at most 100,000.
const (
	countDefault = 10000
	countMost    = 100000
)

// LedgerCount counts the entries a list would page through, up to a bound.
func (s *Store) LedgerCount(ctx context.Context, p erp.LedgerListParams) (int, error) {
	if p.Shop == "" {
		return 0, fmt.Errorf("count ledger: no shop given: %w", erp.ErrInvalidValue)
	}
	h, err := s.table(ctx, s.header)
	if err != nil {
		return 0, fmt.Errorf("count ledger: %w", err)
	}
	words, err := s.wordsByRarity(ctx, p)
	if err != nil {
		return 0, fmt.Errorf("count ledger: %w", err)
	}
	st, err := s.st.ledgerCount(h, p, words)
	if err != nil {
		return 0, fmt.Errorf("count ledger: %w", err)
	}
	var n int64
	if err := s.retry(ctx, "count ledger", func(ctx context.Context) error {
		return s.queryRow(ctx, nil, st).Scan(&n)
	}); err != nil {
		return 0, fmt.Errorf("count ledger: %w", err)
	}
	return int(n), nil
}

// wordCount bounds how far the store counts a search word's entries to tell which word of a
// search is the rarest.
const wordCount = 10000

// wordsByRarity orders the words of a search the rarest first: a search of several words
// walks the entries of its first word and checks the others on each, so starting from the
// rarest reads the fewest. Each word costs one count, on the terms index and bounded. Nil
// for a search of fewer than two words.
func (s *Store) wordsByRarity(ctx context.Context, p erp.LedgerListParams) ([]string, error) {
	words := searchWords(p.Search)
	if len(words) < 2 {
		return nil, nil
	}
	counts := make(map[string]int64, len(words))
	for _, w := range words {
		var n int64
		st := s.st.OrderTermCount(p.Shop, w, wordCount)
		if err := s.retry(ctx, "count a search word", func(ctx context.Context) error {
			return s.queryRow(ctx, nil, st).Scan(&n)
		}); err != nil {
			return nil, err
		}
		counts[w] = n
	}
	slices.SortStableFunc(words, func(a, b string) int { return cmp.Compare(counts[a], counts[b]) })
	return words, nil
}

// searchWords are the words of a search as the terms hold them, once each.
func searchWords(q string) []string {
	var out []string
	for _, w := range strings.Fields(q) {
		if t := ledger.SearchTerm(w); t != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// LedgerEventAdd adds a step to an order's history, leaving its entry as it is.
func (s *Store) LedgerEventAdd(ctx context.Context, ev ledger.Event) error {
	switch {
	case ev.Shop == "" || ev.OrderID == 0:
		return fmt.Errorf("add ledger event: the event needs a shop and an order id: %w", erp.ErrInvalidValue)
	case !ev.Status.Valid():
		return fmt.Errorf("add ledger event: status %q is not one the ledger knows: %w", ev.Status, erp.ErrInvalidValue)
	case ev.Severity != "" && !ev.Severity.Valid():
		return fmt.Errorf("add ledger event: severity %q is not info, retry or error: %w", ev.Severity, erp.ErrInvalidValue)
	case len([]rune(ev.Actor)) > maxActor:
		return fmt.Errorf("add ledger event: the actor is longer than %d characters: %w", maxActor, erp.ErrInvalidValue)
	}
	if ev.At.IsZero() {
		ev.At = s.clock()
	}
	err := s.inTx(ctx, "add ledger event", func(tx *sql.Tx) error {
		var status, severity, problem string
		switch err := s.queryRow(ctx, tx, s.st.LedgerLock(ev.Shop, ev.OrderID)).Scan(&status, &severity, &problem); {
		case errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("ledger entry %s/%d: %w", ev.Shop, ev.OrderID, erp.ErrNotFound)
		case err != nil:
			return err
		}
		_, err := s.exec(ctx, tx, s.st.LedgerEventAdd(ev))
		return err
	})
	if err != nil {
		return fmt.Errorf("add ledger event of %d: %w", ev.OrderID, err)
	}
	return nil
}

// writeTerms replaces the words an order is searched by, when the entry brings its SKUs.
func (s *Store) writeTerms(ctx context.Context, tx *sql.Tx, e ledger.Entry) error {
	if e.SKUs == nil {
		return nil
	}
	if _, err := s.exec(ctx, tx, s.st.OrderTermsDelete(e.Shop, e.OrderID)); err != nil {
		return fmt.Errorf("delete search terms: %w", err)
	}
	terms := ledger.SearchTerms(e)
	for len(terms) > 0 {
		n := min(len(terms), maxParams/3)
		if _, err := s.exec(ctx, tx, s.st.OrderTermsInsert(e.Shop, e.OrderID, terms[:n])); err != nil {
			return fmt.Errorf("write search terms: %w", err)
		}
		terms = terms[n:]
	}
	return nil
}

// --- statements ---------------------------------------------------------------------------

// OrderTermsDelete removes the words an order is searched by.
func (st Statements) OrderTermsDelete(shop string, orderID int64) Stmt {
	p := &params{d: st.d}
	return Stmt{SQL: "DELETE FROM " + st.name("pt_order_terms") + " WHERE shop = " + p.add(st.text(shop)) + " AND order_id = " +
		p.add(st.int64(orderID)), Args: p.args}
}

// OrderTermsInsert writes the words an order is searched by, in one statement.
func (st Statements) OrderTermsInsert(shop string, orderID int64, terms []string) Stmt {
	args := make([]any, 0, 3*len(terms))
	for _, t := range terms {
		args = append(args, st.text(shop), st.int64(orderID), st.text(t))
	}
	q := st.cached("terms", st.name("pt_order_terms"), nil, []string{strconv.Itoa(len(terms))}, nil, func() string {
		p := &params{d: st.d}
		values := make([]string, len(terms))
		for i := range terms {
			values[i] = "(" + p.add(nil) + ", " + p.add(nil) + ", " + p.add(nil) + ")"
		}
		return "INSERT INTO " + st.name("pt_order_terms") + " (shop, order_id, term) VALUES " + strings.Join(values, ", ")
	})
	return Stmt{SQL: q, Args: args}
}

// OrderTermCount counts a search word's entries, at most n: which word of a search is the
// rarest.
func (st Statements) OrderTermCount(shop, term string, n int) Stmt {
	p := &params{d: st.d}
	q := "SELECT COUNT(*) FROM (SELECT order_id FROM " + st.name("pt_order_terms") + " WHERE shop = " + p.add(st.text(shop)) +
		" AND term = " + p.add(st.text(term)) + " ORDER BY order_id" + st.d.Limit(p.add(st.int64(int64(n)))) + ") c"
	return Stmt{SQL: q, Args: p.args}
}

// LedgerList pages through the ledger by keyset, newest first: on (updated_at, order_id),
// or (order_date, order_id) for a date range, each walked on the index of its filter; a
// search by order_id, as each of its lookups finds it. The cursor is written as
// "updated_at <= t AND (updated_at < t OR order_id < id)" so every database can walk an
// index on (…, updated_at, order_id) backwards from it.
func (st Statements) LedgerList(h *Table, lp erp.LedgerListParams) (Stmt, error) {
	return st.ledgerList(h, lp, nil)
}

// ledgerList is LedgerList with the words of a search in the order given (nil: as typed).
func (st Statements) ledgerList(h *Table, lp erp.LedgerListParams, words []string) (Stmt, error) {
	sel, err := st.ledgerSelect(h)
	if err != nil {
		return Stmt{}, err
	}
	p := &params{d: st.d}
	q, err := st.ledgerPage(h, p, sel, lp, int64(limit(lp.Limit, 50, 1000)), words)
	if err != nil {
		return Stmt{}, err
	}
	return Stmt{SQL: q, Args: p.args}, nil
}

// LedgerCount counts what LedgerList pages through (from the start), at most lp.Limit
// entries: the same walk on the same index, without the header's join or the entries'
// columns.
func (st Statements) LedgerCount(h *Table, lp erp.LedgerListParams) (Stmt, error) {
	return st.ledgerCount(h, lp, nil)
}

func (st Statements) ledgerCount(h *Table, lp erp.LedgerListParams, words []string) (Stmt, error) {
	lp.After = nil
	p := &params{d: st.d}
	q, err := st.ledgerPage(h, p, "SELECT l.order_id FROM "+st.name("pt_order_ledger")+" l", lp, int64(limit(lp.Limit, countDefault, countMost)), words)
	if err != nil {
		return Stmt{}, err
	}
	return Stmt{SQL: "SELECT COUNT(*) FROM (" + q + ") c", Args: p.args}, nil
}

// ledgerPage is head (a SELECT from the ledger as l) with the WHERE, ORDER BY and limit of
// one page of lp, its parameters added to p.
func (st Statements) ledgerPage(h *Table, p *params, head string, lp erp.LedgerListParams, n int64, words []string) (string, error) {
	if strings.TrimSpace(lp.Search) != "" {
		if words == nil {
			words = searchWords(lp.Search)
		}
		return st.ledgerSearch(h, p, head, lp, n, words)
	}
	where := []string{"l.shop = " + p.add(st.text(lp.Shop))}
	where = append(where, st.ledgerFilters(p, "l", lp)...)
	// A date range is walked in order-date order on its own index; anything else in
	// updated order on the index of its filter.
	order := "l.updated_at"
	if !lp.From.IsZero() || !lp.To.IsZero() {
		order = "l.order_date"
	}
	if lp.After != nil {
		at := st.time(lp.After.UpdatedAt)
		if order == "l.order_date" {
			at = st.time(lp.After.OrderDate)
		}
		where = append(where, fmt.Sprintf("%s <= %s AND (%s < %s OR l.order_id < %s)",
			order, p.add(at), order, p.add(at), p.add(st.int64(lp.After.OrderID))))
	}
	return head + " WHERE " + strings.Join(where, " AND ") + " ORDER BY " + order + " DESC, l.order_id DESC" +
		st.d.Limit(p.add(st.int64(n))), nil
}

// ledgerFilters are the conditions of lp's status, severity and dates on the ledger as a.
func (st Statements) ledgerFilters(p *params, a string, lp erp.LedgerListParams) []string {
	var where []string
	if lp.Status != "" {
		where = append(where, a+".status = "+p.add(st.text(string(lp.Status))))
	}
	if lp.Severity != "" {
		// The severity index leaves out entries without a problem (most of them); saying so
		// lets every database see that the index holds all the rows asked for.
		where = append(where, a+".severity = "+p.add(st.text(string(lp.Severity)))+" AND "+a+".severity <> ''")
	}
	if !lp.From.IsZero() {
		where = append(where, a+".order_date >= "+p.add(st.time(lp.From)))
	}
	if !lp.To.IsZero() {
		where = append(where, a+".order_date < "+p.add(st.time(lp.To)))
	}
	return where
}

// ledgerSearch is a search page: the entries any of the search's lookups finds, each
// lookup an index walk by order id that stops after n entries passing the filters — an
// order name, an email prefix, a Shopify id, an ERP order number (the header's erp_order_no
// index), the words of a customer's name or SKUs (pt_order_terms: the entries of the first
// word, checked for the others) — then the page of the newest of them.
func (st Statements) ledgerSearch(h *Table, p *params, head string, lp erp.LedgerListParams, n int64, words []string) (string, error) {
	q := strings.TrimSpace(lp.Search)
	ledgerTable := st.name("pt_order_ledger")
	outer := "l.shop = " + p.add(st.text(lp.Shop))

	var arms []string
	// arm is one lookup: "SELECT s.order_id FROM <from> WHERE <where> AND the filters AND
	// the cursor", the newest n first. s is the ledger in every lookup.
	arm := func(from string, where func() []string, by string) {
		w := where()
		w = append(w, st.ledgerFilters(p, "s", lp)...)
		if lp.After != nil {
			w = append(w, by+" < "+p.add(st.int64(lp.After.OrderID)))
		}
		arms = append(arms, "SELECT x.order_id FROM (SELECT s.order_id FROM "+from+" WHERE "+strings.Join(w, " AND ")+
			" ORDER BY "+by+" DESC"+st.d.Limit(p.add(st.int64(n)))+") x")
	}
	shop := func() string { return "s.shop = " + p.add(st.text(lp.Shop)) }

	name, hashed := strings.TrimPrefix(q, "#"), q
	if !strings.HasPrefix(q, "#") {
		hashed = "#" + q
	}
	arm(ledgerTable+" s", func() []string {
		return []string{shop(), "s.order_name IN (" + p.add(st.text(name)) + ", " + p.add(st.text(hashed)) + ")"}
	}, "s.order_id")
	prefix := searchEmail(q)
	arm(ledgerTable+" s", func() []string {
		return []string{shop(), "s.search_email >= " + p.add(st.text(prefix)), "s.search_email < " + p.add(st.text(prefix+st.d.PrefixEnd()))}
	}, "s.order_id")
	if id, err := strconv.ParseInt(strings.TrimPrefix(q, "#"), 10, 64); err == nil && id > 0 {
		arm(ledgerTable+" s", func() []string { return []string{shop(), "s.order_id = " + p.add(st.int64(id))} }, "s.order_id")
	}
	if erpNo, err := h.Column(erp.ColERPOrderNo); err == nil {
		c, err := st.headerCols(h, erp.ColShop, erp.ColWebOrderID)
		if err != nil {
			return "", err
		}
		arm(st.quote(h.Name)+" h JOIN "+ledgerTable+" s ON "+shop()+" AND s.order_id = h."+c[1], func() []string {
			return []string{"h." + c[0] + " = " + p.add(st.value(column(h, erp.ColShop, passthrough.KindText), lp.Shop)),
				"h." + st.d.Quote(erpNo.Name) + " = " + p.add(st.value(erpNo, q))}
		}, "s.order_id")
	}
	if len(words) > 0 {
		terms := st.name("pt_order_terms")
		// CROSS JOIN keeps the word's entries the outer loop, walked newest first on the terms
		// index: for a word on most entries SQLite's planner otherwise walks the whole
		// ledger and sorts it (2.7 s at a million entries, against a millisecond). Other
		// databases read it as the inner join it is.
		arm(terms+" t CROSS JOIN "+ledgerTable+" s", func() []string {
			w := []string{"t.shop = " + p.add(st.text(lp.Shop)), "t.term = " + p.add(st.text(words[0])),
				"s.shop = t.shop", "s.order_id = t.order_id"}
			for _, more := range words[1:] {
				w = append(w, "EXISTS (SELECT 1 FROM "+terms+" t2 WHERE t2.shop = t.shop AND t2.order_id = t.order_id AND t2.term = "+
					p.add(st.text(more))+")")
			}
			return w
		}, "t.order_id")
	}
	return head + " WHERE " + outer + " AND l.order_id IN (" + strings.Join(arms, " UNION ALL ") + ") ORDER BY l.order_id DESC" +
		st.d.Limit(p.add(st.int64(n))), nil
}
