package shopifytest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// order is one stored order: its JSON document and the fields the simulator filters on.
type order struct {
	id          int64
	name        string
	createdAt   time.Time
	updatedAt   time.Time
	processedAt time.Time
	cancelled   bool
	closed      bool
	financial   string
	fulfillment string
	raw         []byte
	fos         []int64 // fulfillment orders, in creation order
	fuls        []int64 // fulfillments, in creation order
}

func (o *order) index(doc map[string]any) {
	o.name = asString(doc["name"])
	o.createdAt = asTime(doc["created_at"])
	o.updatedAt = asTime(doc["updated_at"])
	o.processedAt = asTime(doc["processed_at"])
	o.cancelled = doc["cancelled_at"] != nil
	o.closed = doc["closed_at"] != nil
	o.financial = asString(doc["financial_status"])
	o.fulfillment = asString(doc["fulfillment_status"])
}

// putOrder stores an order document, filling what Shopify would have filled (ids, number,
// name, times, line item ids and fulfillable quantities), and creates its fulfillment
// orders. With replace, an order with the same id is replaced; otherwise it is an error.
// The caller holds s.mu.
func (s *Server) putOrder(doc map[string]any, replace bool) (*order, error) {
	st := &s.st
	now := s.now()
	id, ok := asInt64(doc["id"])
	if !ok || id <= 0 {
		id = st.newID()
		doc["id"] = id
	}
	st.seenID(id)
	old, exists := st.orders[id]
	if exists && !replace {
		return nil, fmt.Errorf("order %d exists", id)
	}
	if _, ok := asInt64(doc["order_number"]); !ok {
		doc["order_number"] = st.nextNumber
		doc["number"] = st.nextNumber - 1000
	}
	if n := asInt(doc["order_number"]); n >= st.nextNumber {
		st.nextNumber = n + 1
	}
	if asString(doc["name"]) == "" {
		doc["name"] = "#" + strconv.Itoa(asInt(doc["order_number"]))
	}
	setDefault(doc, "admin_graphql_api_id", gid("Order", id))
	setDefault(doc, "created_at", s.stamp(now))
	setDefault(doc, "updated_at", doc["created_at"])
	setDefault(doc, "processed_at", doc["created_at"])
	setDefault(doc, "financial_status", "pending")
	setDefault(doc, "fulfillment_status", nil)
	setDefault(doc, "cancelled_at", nil)
	setDefault(doc, "closed_at", nil)
	setDefault(doc, "test", false)
	setDefault(doc, "fulfillments", []any{})
	setDefault(doc, "refunds", []any{})
	if asList(doc["line_items"]) == nil {
		doc["line_items"] = []any{}
	}
	for _, l := range asList(doc["line_items"]) {
		li := asMap(l)
		if li == nil {
			continue
		}
		lid, ok := asInt64(li["id"])
		if !ok || lid <= 0 {
			lid = st.newID()
			li["id"] = lid
		}
		st.seenID(lid)
		setDefault(li, "admin_graphql_api_id", gid("LineItem", lid))
		setDefault(li, "quantity", 1)
		setDefault(li, "fulfillable_quantity", li["quantity"])
		setDefault(li, "fulfillment_status", nil)
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("encode order %d: %w", id, err)
	}
	o := &order{id: id, raw: raw}
	o.index(doc)
	if exists {
		for _, f := range old.fos {
			delete(st.fos, f)
		}
		for _, f := range old.fuls {
			delete(st.fulfillments, f)
		}
	} else {
		st.orderIDs = insertSorted(st.orderIDs, id)
	}
	st.orders[id] = o
	for _, f := range asList(doc["fulfillments"]) {
		if fid, ok := asInt64(asMap(f)["id"]); ok {
			st.seenID(fid)
			st.fulfillments[fid] = id
			o.fuls = append(o.fuls, fid)
		}
	}
	s.createFulfillmentOrders(o, doc)
	return o, nil
}

func setDefault(doc map[string]any, key string, v any) {
	if _, ok := doc[key]; !ok {
		doc[key] = v
	}
}

// editOrder changes a stored order's document with fn, bumps updated_at and reindexes it.
// updated_at always moves forward by at least a second, so the change is visible to a
// client polling with updated_at_min even when the clock has not moved. The caller holds
// s.mu.
func (s *Server) editOrder(id int64, fn func(doc map[string]any) error) (*order, error) {
	o, ok := s.st.orders[id]
	if !ok {
		return nil, fmt.Errorf("order %d: %w", id, errNotFound)
	}
	doc, err := decodeDoc(o.raw)
	if err != nil {
		return nil, fmt.Errorf("decode order %d: %w", id, err)
	}
	if err := fn(doc); err != nil {
		return nil, err
	}
	now := s.now()
	if !now.After(o.updatedAt) {
		now = o.updatedAt.Add(time.Second)
	}
	doc["updated_at"] = s.stamp(now)
	raw, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("encode order %d: %w", id, err)
	}
	o.raw = raw
	o.index(doc)
	return o, nil
}

// --- truth methods ------------------------------------------------------------------

// AddOrder stores an order given as Shopify's REST order JSON (the object itself, or
// {"order": …}), fills what Shopify fills (id, number, name, times, line item ids), creates
// its fulfillment orders and sends orders/create. It returns the order's id.
func (s *Server) AddOrder(orderJSON []byte) (int64, error) {
	doc, err := decodeDoc(orderJSON)
	if err != nil {
		return 0, fmt.Errorf("decode order: %w", err)
	}
	if inner := asMap(doc["order"]); inner != nil && len(doc) == 1 {
		doc = inner
	}
	s.mu.Lock()
	o, err := s.putOrder(doc, false)
	var raw []byte
	if err == nil {
		raw = o.raw
	}
	s.mu.Unlock()
	if err != nil {
		return 0, err
	}
	s.hooks.send(s.Domain(), s.newest, "orders/create", raw, s.clock.Now())
	return o.id, nil
}

// UpdateOrder changes an order's document with fn (top-level fields, as Shopify names
// them), bumps updated_at and sends orders/updated.
func (s *Server) UpdateOrder(id int64, fn func(order map[string]any)) error {
	return s.changeOrder(id, []string{"orders/updated"}, func(doc map[string]any) error {
		fn(doc)
		return nil
	})
}

// PayOrder marks an order paid, as when an authorized payment is captured, and sends
// orders/paid and orders/updated.
func (s *Server) PayOrder(id int64) error {
	return s.changeOrder(id, []string{"orders/paid", "orders/updated"}, func(doc map[string]any) error {
		doc["financial_status"] = "paid"
		doc["total_outstanding"] = "0.00"
		return nil
	})
}

// CancelOrder cancels an order: cancelled_at and cancel_reason are set, a paid order is
// refunded and an unpaid one voided, and its open fulfillment orders are closed. It sends
// orders/cancelled and orders/updated.
func (s *Server) CancelOrder(id int64, reason string) error {
	if reason == "" {
		reason = "other"
	}
	return s.changeOrder(id, []string{"orders/cancelled", "orders/updated"}, func(doc map[string]any) error {
		if doc["cancelled_at"] != nil {
			return fmt.Errorf("order %d is already cancelled", id)
		}
		doc["cancelled_at"] = s.stamp(s.now())
		doc["cancel_reason"] = reason
		switch asString(doc["financial_status"]) {
		case "paid", "partially_paid", "partially_refunded":
			doc["financial_status"] = "refunded"
		default:
			doc["financial_status"] = "voided"
		}
		for _, foID := range s.st.orders[id].fos {
			if fo := s.st.fos[foID]; fo != nil && fo.Status != "closed" {
				fo.Status, fo.UpdatedAt = "closed", s.now()
			}
		}
		return nil
	})
}

func (s *Server) changeOrder(id int64, topics []string, fn func(doc map[string]any) error) error {
	s.mu.Lock()
	o, err := s.editOrder(id, fn)
	var raw []byte
	if err == nil {
		raw = o.raw
	}
	s.mu.Unlock()
	if err != nil {
		return err
	}
	for _, t := range topics {
		s.hooks.send(s.Domain(), s.newest, t, raw, s.clock.Now())
	}
	return nil
}

// Order returns an order's JSON as the simulator would serve it.
func (s *Server) Order(id int64) (json.RawMessage, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.st.orders[id]
	if !ok {
		return nil, false
	}
	return append(json.RawMessage(nil), o.raw...), true
}

// OrderIDs returns the ids of every stored order, ascending.
func (s *Server) OrderIDs() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.st.orderIDs)
}

// --- REST ---------------------------------------------------------------------------

// orderFilter is what a GET orders.json selects.
type orderFilter struct {
	ids                        map[int64]bool
	sinceID                    int64
	createdMin, createdMax     time.Time
	updatedMin, updatedMax     time.Time
	processedMin, processedMax time.Time
	status                     string
	financial                  string
	fulfillment                string
	name                       string
	sortField                  string
	desc                       bool
}

func parseOrderFilter(f url.Values, errs map[string]any) orderFilter {
	of := orderFilter{status: "open", sortField: "id", desc: true}
	if v := f.Get("ids"); v != "" {
		of.ids = map[int64]bool{}
		for _, p := range splitList(v) {
			n, err := strconv.ParseInt(p, 10, 64)
			if err != nil {
				errs["ids"] = "must be a comma-separated list of ids"
				break
			}
			of.ids[n] = true
		}
	}
	if v := f.Get("since_id"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			errs["since_id"] = "must be an id"
		}
		// Shopify sorts orders with since_id by id, ascending (changelog, 2017-09-18).
		of.sinceID, of.sortField, of.desc = n, "id", false
	}
	of.createdMin = parseTimeParam(f, "created_at_min", errs)
	of.createdMax = parseTimeParam(f, "created_at_max", errs)
	of.updatedMin = parseTimeParam(f, "updated_at_min", errs)
	of.updatedMax = parseTimeParam(f, "updated_at_max", errs)
	of.processedMin = parseTimeParam(f, "processed_at_min", errs)
	of.processedMax = parseTimeParam(f, "processed_at_max", errs)
	if v := f.Get("status"); v != "" {
		of.status = v
	}
	if !slices.Contains([]string{"open", "closed", "cancelled", "any"}, of.status) {
		errs["status"] = "must be one of open, closed, cancelled, any"
	}
	of.financial = f.Get("financial_status")
	if of.financial != "" && !slices.Contains([]string{"authorized", "pending", "paid", "partially_paid", "refunded", "voided", "partially_refunded", "any", "unpaid"}, of.financial) {
		errs["financial_status"] = "is not a financial status"
	}
	of.fulfillment = f.Get("fulfillment_status")
	if of.fulfillment != "" && !slices.Contains([]string{"shipped", "partial", "unshipped", "any", "unfulfilled"}, of.fulfillment) {
		errs["fulfillment_status"] = "is not a fulfillment status"
	}
	of.name = f.Get("name")
	if v := f.Get("order"); v != "" {
		field, dir, _ := strings.Cut(strings.TrimSpace(v), " ")
		if !slices.Contains([]string{"id", "created_at", "updated_at", "processed_at"}, field) || (dir != "" && dir != "asc" && dir != "desc") {
			errs["order"] = "must be a field (id, created_at, updated_at, processed_at) and asc or desc"
		}
		of.sortField, of.desc = field, dir != "asc"
	}
	return of
}

func (of orderFilter) match(o *order) bool {
	if of.ids != nil && !of.ids[o.id] {
		return false
	}
	if of.sinceID != 0 && o.id <= of.sinceID {
		return false
	}
	if !inWindow(o.createdAt, of.createdMin, of.createdMax) || !inWindow(o.updatedAt, of.updatedMin, of.updatedMax) || !inWindow(o.processedAt, of.processedMin, of.processedMax) {
		return false
	}
	switch of.status {
	case "open":
		if o.cancelled || o.closed {
			return false
		}
	case "closed":
		if !o.closed {
			return false
		}
	case "cancelled":
		if !o.cancelled {
			return false
		}
	}
	switch of.financial {
	case "", "any":
	case "unpaid":
		if o.financial != "authorized" && o.financial != "partially_paid" {
			return false
		}
	default:
		if o.financial != of.financial {
			return false
		}
	}
	switch of.fulfillment {
	case "", "any":
	case "shipped":
		if o.fulfillment != "fulfilled" {
			return false
		}
	case "partial":
		if o.fulfillment != "partial" {
			return false
		}
	case "unshipped":
		if o.fulfillment != "" {
			return false
		}
	case "unfulfilled":
		if o.fulfillment != "" && o.fulfillment != "partial" {
			return false
		}
	}
	if of.name != "" && o.name != of.name && o.name != "#"+strings.TrimPrefix(of.name, "#") {
		return false
	}
	return true
}

// rows lists the matching orders in page order. The default order is newest id first,
// which is what Shopify is seen to do: not ascending updated_at, so a client that assumes
// it is caught.
func (s *Server) orderRows(of orderFilter) []row[*order] {
	rows := make([]row[*order], 0, 64)
	sign := int64(1)
	if of.desc {
		sign = -1
	}
	for _, id := range s.st.orderIDs {
		o := s.st.orders[id]
		if !of.match(o) {
			continue
		}
		var k int64
		switch of.sortField {
		case "id":
			k = o.id
		case "created_at":
			k = o.createdAt.Unix()
		case "updated_at":
			k = o.updatedAt.Unix()
		case "processed_at":
			k = o.processedAt.Unix()
		}
		rows = append(rows, row[*order]{k: sign * k, i: sign * o.id, v: o})
	}
	if of.sortField == "id" && of.desc {
		slices.Reverse(rows)
	} else if of.sortField != "id" {
		slices.SortFunc(rows, func(a, b row[*order]) int {
			if rowLess(a, b) {
				return -1
			}
			if rowLess(b, a) {
				return 1
			}
			return 0
		})
	}
	return rows
}

func (s *Server) handleListOrders(w http.ResponseWriter, r *apiRequest) {
	filter, cur, limit, fields, errs := listParams(r.URL.Query(), "orders")
	of := parseOrderFilter(filter, errs)
	if len(errs) > 0 {
		writeErrors(w, http.StatusBadRequest, errs)
		return
	}
	s.mu.Lock()
	rows := s.orderRows(of)
	page, hasNext, hasPrev := paginate(rows, cur, limit)
	var buf bytes.Buffer
	buf.WriteString(`{"orders":[`)
	for i, rw := range page {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(onlyFields(rw.v.raw, fields))
	}
	buf.WriteString(`]}`)
	s.mu.Unlock()
	if l := pageLinks(s, r, "orders", filter, page, hasNext, hasPrev, limit, r.URL.Query().Get("fields")); l != "" {
		w.Header().Set("Link", l)
	}
	writeRaw(w, http.StatusOK, buf.Bytes())
}

func (s *Server) handleCountOrders(w http.ResponseWriter, r *apiRequest) {
	errs := map[string]any{}
	of := parseOrderFilter(r.URL.Query(), errs)
	if len(errs) > 0 {
		writeErrors(w, http.StatusBadRequest, errs)
		return
	}
	s.mu.Lock()
	n := 0
	for _, id := range s.st.orderIDs {
		if of.match(s.st.orders[id]) {
			n++
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]int{"count": n})
}

func (s *Server) handleGetOrder(w http.ResponseWriter, r *apiRequest, id int64) {
	s.mu.Lock()
	o, ok := s.st.orders[id]
	var raw []byte
	if ok {
		raw = onlyFields(o.raw, splitList(r.URL.Query().Get("fields")))
	}
	s.mu.Unlock()
	if !ok {
		writeErrors(w, http.StatusNotFound, "Not Found")
		return
	}
	writeRaw(w, http.StatusOK, append(append([]byte(`{"order":`), raw...), '}'))
}
