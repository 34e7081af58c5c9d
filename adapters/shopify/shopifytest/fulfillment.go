package shopifytest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// FulfillmentOrder is a group of an order's line items assigned to one location, which is
// what a fulfillment is created against. Shopify creates them with the order; so does the
// simulator (one per location its lines are assigned to).
type FulfillmentOrder struct {
	ID                 int64
	OrderID            int64
	AssignedLocationID int64
	// Status is open, in_progress (partly fulfilled), on_hold or closed (fully fulfilled,
	// or the order was cancelled).
	Status        string
	RequestStatus string
	LineItems     []FulfillmentOrderLine
	CreatedAt     time.Time
	UpdatedAt     time.Time

	destination map[string]any
	heldFrom    string // the status before a hold
	holdReason  string
}

// FulfillmentOrderLine is one line of a fulfillment order. Its ID is what a fulfillment
// request names, not the order's line item id.
type FulfillmentOrderLine struct {
	ID                  int64
	FulfillmentOrderID  int64
	LineItemID          int64
	VariantID           int64
	InventoryItemID     int64
	Quantity            int
	FulfillableQuantity int
}

func (fo *FulfillmentOrder) clone() FulfillmentOrder {
	c := *fo
	c.LineItems = slices.Clone(fo.LineItems)
	c.destination = nil
	return c
}

// Fulfillment is a shipment recorded on an order.
type Fulfillment struct {
	ID              int64
	OrderID         int64
	LocationID      int64
	Name            string // e.g. #1001.1
	Status          string
	TrackingCompany string
	TrackingNumber  string
	TrackingURL     string
	LineItems       []FulfillmentLine
	CreatedAt       time.Time
}

// FulfillmentLine is an order line item and the quantity a fulfillment shipped of it.
type FulfillmentLine struct {
	LineItemID int64
	SKU        string
	Quantity   int
}

// createFulfillmentOrders makes the fulfillment orders of a new order: its lines that need
// shipping, each assigned to the active location with the most stock of its item (the
// first location when none has any), one fulfillment order per location. The caller
// holds s.mu.
func (s *Server) createFulfillmentOrders(o *order, doc map[string]any) {
	st := &s.st
	now := s.now()
	byLoc := map[int64]*FulfillmentOrder{}
	var locs []int64
	for _, l := range asList(doc["line_items"]) {
		li := asMap(l)
		if li == nil || !asBool(li["requires_shipping"], true) || asBool(li["gift_card"], false) {
			continue
		}
		qty := currentQuantity(li)
		if qty <= 0 {
			continue
		}
		fulfillable := min(asInt(li["fulfillable_quantity"]), qty)
		lineID, _ := asInt64(li["id"])
		variantID, _ := asInt64(li["variant_id"])
		var itemID int64
		if v := st.variants[variantID]; v != nil {
			itemID = v.inventoryItemID
		}
		loc := s.assignLocation(itemID)
		fo := byLoc[loc]
		if fo == nil {
			fo = &FulfillmentOrder{
				ID: st.newID(), OrderID: o.id, AssignedLocationID: loc, RequestStatus: "unsubmitted",
				CreatedAt: now, UpdatedAt: now, destination: destination(doc),
			}
			byLoc[loc] = fo
			locs = append(locs, loc)
		}
		fo.LineItems = append(fo.LineItems, FulfillmentOrderLine{
			ID: st.newID(), FulfillmentOrderID: fo.ID, LineItemID: lineID, VariantID: variantID,
			InventoryItemID: itemID, Quantity: qty, FulfillableQuantity: max(fulfillable, 0),
		})
	}
	for _, loc := range locs {
		fo := byLoc[loc]
		fo.Status = foStatus(fo)
		if o.cancelled {
			fo.Status = "closed"
		}
		st.fos[fo.ID] = fo
		o.fos = append(o.fos, fo.ID)
	}
}

// foStatus is the status a fulfillment order's quantities imply.
func foStatus(fo *FulfillmentOrder) string {
	left, done := 0, 0
	for _, l := range fo.LineItems {
		left += l.FulfillableQuantity
		done += l.Quantity - l.FulfillableQuantity
	}
	switch {
	case left == 0:
		return "closed"
	case done > 0:
		return "in_progress"
	default:
		return "open"
	}
}

// assignLocation picks the location a line of item ships from. The caller holds s.mu.
func (s *Server) assignLocation(itemID int64) int64 {
	st := &s.st
	var best int64
	bestQty := -1 << 31
	for _, id := range st.locationIDs {
		if !st.locations[id].active {
			continue
		}
		q := -1 << 30
		if l := st.levels[levelKey{itemID, id}]; l != nil {
			q = l.available
		}
		if best == 0 || q > bestQty {
			best, bestQty = id, q
		}
	}
	if best == 0 {
		best = s.addDefaultLocation()
	}
	return best
}

func destination(doc map[string]any) map[string]any {
	a := asMap(doc["shipping_address"])
	if a == nil {
		return nil
	}
	d := map[string]any{"email": doc["email"]}
	for _, k := range []string{"address1", "address2", "city", "company", "country", "first_name", "last_name", "phone", "province", "zip"} {
		d[k] = a[k]
	}
	return d
}

func supportedActions(status string) []string {
	switch status {
	case "open":
		return []string{"create_fulfillment", "hold", "move"}
	case "in_progress":
		return []string{"create_fulfillment", "hold"}
	case "on_hold":
		return []string{"release_hold"}
	}
	return []string{}
}

// foDoc is a fulfillment order as the REST API shows it. The caller holds s.mu.
func (s *Server) foDoc(fo *FulfillmentOrder) map[string]any {
	lines := make([]any, 0, len(fo.LineItems))
	for _, l := range fo.LineItems {
		lines = append(lines, map[string]any{
			"id": l.ID, "shop_id": s.st.shopID, "fulfillment_order_id": fo.ID, "quantity": l.Quantity,
			"line_item_id": l.LineItemID, "inventory_item_id": nullID(l.InventoryItemID),
			"fulfillable_quantity": l.FulfillableQuantity, "variant_id": nullID(l.VariantID),
		})
	}
	holds := []any{}
	if fo.Status == "on_hold" {
		holds = append(holds, map[string]any{"reason": fo.holdReason, "reason_notes": nil})
	}
	var delivery any
	if fo.destination != nil {
		delivery = map[string]any{"id": fo.ID + 1, "method_type": "shipping"}
	}
	assigned := map[string]any{"location_id": fo.AssignedLocationID}
	if loc := s.st.locations[fo.AssignedLocationID]; loc != nil {
		for _, k := range []string{"address1", "address2", "city", "country_code", "name", "phone", "province", "zip"} {
			assigned[k] = loc.doc[k]
		}
	}
	var dest any
	if fo.destination != nil {
		dest = fo.destination
	}
	return map[string]any{
		"id": fo.ID, "shop_id": s.st.shopID, "order_id": fo.OrderID, "assigned_location_id": fo.AssignedLocationID,
		"request_status": fo.RequestStatus, "status": fo.Status, "fulfill_at": nil, "fulfill_by": nil,
		"supported_actions": supportedActions(fo.Status), "destination": dest, "line_items": lines,
		"international_duties": nil, "fulfillment_holds": holds, "delivery_method": delivery,
		"assigned_location": assigned, "merchant_requests": []any{},
		"created_at": s.stamp(fo.CreatedAt), "updated_at": s.stamp(fo.UpdatedAt),
	}
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// --- truth methods ------------------------------------------------------------------

// FulfillmentOrders returns an order's fulfillment orders.
func (s *Server) FulfillmentOrders(orderID int64) []FulfillmentOrder {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.st.orders[orderID]
	if o == nil {
		return nil
	}
	out := make([]FulfillmentOrder, 0, len(o.fos))
	for _, id := range o.fos {
		out = append(out, s.st.fos[id].clone())
	}
	return out
}

// Fulfillments returns the fulfillments recorded on an order, oldest first.
func (s *Server) Fulfillments(orderID int64) []Fulfillment {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.st.orders[orderID]
	if o == nil {
		return nil
	}
	doc, err := decodeDoc(o.raw)
	if err != nil {
		return nil
	}
	var out []Fulfillment
	for _, f := range asList(doc["fulfillments"]) {
		out = append(out, parseFulfillment(asMap(f)))
	}
	return out
}

func parseFulfillment(m map[string]any) Fulfillment {
	f := Fulfillment{
		Name: asString(m["name"]), Status: asString(m["status"]), TrackingCompany: asString(m["tracking_company"]),
		TrackingNumber: asString(m["tracking_number"]), TrackingURL: asString(m["tracking_url"]), CreatedAt: asTime(m["created_at"]),
	}
	f.ID, _ = asInt64(m["id"])
	f.OrderID, _ = asInt64(m["order_id"])
	f.LocationID, _ = asInt64(m["location_id"])
	for _, l := range asList(m["line_items"]) {
		li := asMap(l)
		id, _ := asInt64(li["id"])
		f.LineItems = append(f.LineItems, FulfillmentLine{LineItemID: id, SKU: asString(li["sku"]), Quantity: asInt(li["quantity"])})
	}
	return f
}

// HoldFulfillmentOrder puts a fulfillment order on hold: no fulfillment can be created
// against it until ReleaseFulfillmentOrder.
func (s *Server) HoldFulfillmentOrder(id int64, reason string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hold(id, reason)
}

// ReleaseFulfillmentOrder releases a hold.
func (s *Server) ReleaseFulfillmentOrder(id int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.release(id)
}

func (s *Server) hold(id int64, reason string) error {
	fo := s.st.fos[id]
	if fo == nil {
		return fmt.Errorf("fulfillment order %d: %w", id, errNotFound)
	}
	if fo.Status != "open" && fo.Status != "in_progress" {
		return apiMessage(fmt.Sprintf("Fulfillment order %d has an unholdable status= %s.", id, fo.Status))
	}
	if reason == "" {
		reason = "other"
	}
	fo.heldFrom, fo.holdReason, fo.Status, fo.UpdatedAt = fo.Status, reason, "on_hold", s.now()
	return nil
}

func (s *Server) release(id int64) error {
	fo := s.st.fos[id]
	if fo == nil {
		return fmt.Errorf("fulfillment order %d: %w", id, errNotFound)
	}
	if fo.Status != "on_hold" {
		return apiMessage(fmt.Sprintf("Fulfillment order %d is not on hold.", id))
	}
	fo.Status, fo.heldFrom, fo.holdReason, fo.UpdatedAt = fo.heldFrom, "", "", s.now()
	return nil
}

// apiMessage is an error worded as Shopify words it, capital letter and full stop included.
type apiMessage string

func (m apiMessage) Error() string { return string(m) }

// --- REST ---------------------------------------------------------------------------

func (s *Server) handleListFulfillmentOrders(w http.ResponseWriter, _ *apiRequest, orderID int64) {
	s.mu.Lock()
	o := s.st.orders[orderID]
	var docs []any
	if o != nil {
		docs = make([]any, 0, len(o.fos))
		for _, id := range o.fos {
			docs = append(docs, s.foDoc(s.st.fos[id]))
		}
	}
	s.mu.Unlock()
	if o == nil {
		writeErrors(w, http.StatusNotFound, "Not Found")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"fulfillment_orders": docs})
}

func (s *Server) handleGetFulfillmentOrder(w http.ResponseWriter, _ *apiRequest, id int64) {
	s.mu.Lock()
	fo := s.st.fos[id]
	var doc map[string]any
	if fo != nil {
		doc = s.foDoc(fo)
	}
	s.mu.Unlock()
	if fo == nil {
		writeErrors(w, http.StatusNotFound, "Not Found")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"fulfillment_order": doc})
}

func (s *Server) handleHold(w http.ResponseWriter, r *apiRequest, id int64, hold bool) {
	var body struct {
		Hold struct {
			Reason string `json:"reason"`
		} `json:"fulfillment_hold"`
	}
	_ = json.NewDecoder(r.Body).Decode(&body)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.fos[id] == nil {
		writeErrors(w, http.StatusNotFound, "Not Found")
		return
	}
	var err error
	if hold {
		err = s.hold(id, body.Hold.Reason)
	} else {
		err = s.release(id)
	}
	if err != nil {
		writeErrors(w, http.StatusUnprocessableEntity, []string{err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"fulfillment_order": s.foDoc(s.st.fos[id])})
}

// fulfillmentInput is the body of POST fulfillments.json. Unknown fields (go-shopify always
// sends "receipt":{}) are ignored, as Shopify does.
type fulfillmentInput struct {
	LineItemsByFulfillmentOrder []fulfillmentGroup `json:"line_items_by_fulfillment_order"`
	TrackingInfo                *trackingInput     `json:"tracking_info"`
	NotifyCustomer              bool               `json:"notify_customer"`
	Message                     string             `json:"message"`
}

type fulfillmentGroup struct {
	FulfillmentOrderID        json.Number       `json:"fulfillment_order_id"`
	FulfillmentOrderLineItems []fulfillmentItem `json:"fulfillment_order_line_items"`
}

type fulfillmentItem struct {
	ID       json.Number `json:"id"`
	Quantity json.Number `json:"quantity"`
}

func jsonInt(n int64) json.Number { return json.Number(strconv.FormatInt(n, 10)) }

type trackingInput struct {
	Number  string `json:"number"`
	Company string `json:"company"`
	URL     string `json:"url"`
}

// fill infers the carrier and URL from a UPS number, as Shopify does when company is left out.
func (t *trackingInput) fill() {
	if t.Company == "" && strings.HasPrefix(strings.ToUpper(t.Number), "1Z") {
		t.Company = "UPS"
	}
	if t.URL == "" && t.Company == "UPS" && t.Number != "" {
		t.URL = "https://www.ups.com/WebTracking?loc=en_US&requester=ST&trackNums=" + t.Number
	}
}

type plannedLine struct {
	fo   *FulfillmentOrder
	line int // index into fo.LineItems
	qty  int
}

func (s *Server) handleCreateFulfillment(w http.ResponseWriter, r *apiRequest) {
	var body struct {
		Fulfillment *fulfillmentInput `json:"fulfillment"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Fulfillment == nil {
		writeErrors(w, http.StatusBadRequest, map[string]any{"fulfillment": "Required parameter missing or invalid"})
		return
	}
	in := body.Fulfillment
	s.mu.Lock()
	doc, status, errs := s.createFulfillment(in)
	s.mu.Unlock()
	if errs != nil {
		writeErrors(w, status, errs)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"fulfillment": doc})
	orderID, _ := asInt64(doc["order_id"])
	if raw, ok := s.Order(orderID); ok {
		topic := "orders/partially_fulfilled"
		if o, _ := decodeDoc(raw); asString(o["fulfillment_status"]) == "fulfilled" {
			topic = "orders/fulfilled"
		}
		s.hooks.send(s.Domain(), s.newest, topic, raw, s.clock.Now())
		s.hooks.send(s.Domain(), s.newest, "orders/updated", raw, s.clock.Now())
	}
}

// createFulfillment validates a fulfillment request against the fulfillment orders' state
// and applies it whole or not at all. It returns the fulfillment's document, or a status
// and Shopify's errors. The caller holds s.mu.
func (s *Server) createFulfillment(in *fulfillmentInput) (map[string]any, int, any) {
	st := &s.st
	if len(in.LineItemsByFulfillmentOrder) == 0 {
		return nil, http.StatusBadRequest, map[string]any{"line_items_by_fulfillment_order": "Required parameter missing or invalid"}
	}
	var plan []plannedLine
	var orderID int64
	seen := map[int64]bool{}
	for _, group := range in.LineItemsByFulfillmentOrder {
		foID, err := group.FulfillmentOrderID.Int64()
		fo := st.fos[foID]
		if err != nil || fo == nil {
			return nil, http.StatusUnprocessableEntity, []string{fmt.Sprintf("Fulfillment order %s does not exist.", group.FulfillmentOrderID)}
		}
		if seen[foID] {
			return nil, http.StatusUnprocessableEntity, []string{fmt.Sprintf("Fulfillment order %d is listed more than once.", foID)}
		}
		seen[foID] = true
		if orderID != 0 && fo.OrderID != orderID {
			return nil, http.StatusUnprocessableEntity, []string{"All fulfillment orders must belong to the same order."}
		}
		orderID = fo.OrderID
		if fo.Status != "open" && fo.Status != "in_progress" {
			return nil, http.StatusUnprocessableEntity, []string{fmt.Sprintf("Fulfillment order %d has an unfulfillable status= %s.", fo.ID, fo.Status)}
		}
		if len(group.FulfillmentOrderLineItems) == 0 { // everything that is left
			for i, l := range fo.LineItems {
				if l.FulfillableQuantity > 0 {
					plan = append(plan, plannedLine{fo, i, l.FulfillableQuantity})
				}
			}
			continue
		}
		for _, item := range group.FulfillmentOrderLineItems {
			lineID, err1 := item.ID.Int64()
			qty, err2 := item.Quantity.Int64()
			i := slices.IndexFunc(fo.LineItems, func(l FulfillmentOrderLine) bool { return l.ID == lineID })
			if err1 != nil || i < 0 {
				return nil, http.StatusUnprocessableEntity, []string{"Invalid fulfillment order line item id requested."}
			}
			if err2 != nil || qty <= 0 || int(qty) > fo.LineItems[i].FulfillableQuantity {
				return nil, http.StatusUnprocessableEntity, []string{"Invalid fulfillment order line item quantity requested."}
			}
			plan = append(plan, plannedLine{fo, i, int(qty)})
		}
	}
	if len(plan) == 0 {
		return nil, http.StatusUnprocessableEntity, []string{"Invalid fulfillment order line item quantity requested."}
	}
	// Quantities asked twice for the same line must still fit.
	asked := map[int64]int{}
	for _, p := range plan {
		l := p.fo.LineItems[p.line]
		asked[l.ID] += p.qty
		if asked[l.ID] > l.FulfillableQuantity {
			return nil, http.StatusUnprocessableEntity, []string{"Invalid fulfillment order line item quantity requested."}
		}
	}

	now := s.now()
	shipped := map[int64]int{} // order line item id → quantity
	for _, p := range plan {
		l := &p.fo.LineItems[p.line]
		l.FulfillableQuantity -= p.qty
		shipped[l.LineItemID] += p.qty
		p.fo.UpdatedAt = now
	}
	o := st.orders[orderID]
	allDone := true
	for _, id := range o.fos {
		fo := st.fos[id]
		if seen[id] {
			fo.Status = foStatus(fo)
		}
		for _, l := range fo.LineItems {
			if l.FulfillableQuantity > 0 {
				allDone = false
			}
		}
	}
	tracking := trackingInput{}
	if in.TrackingInfo != nil {
		tracking = *in.TrackingInfo
	}
	tracking.fill()
	fid := st.newID()
	var fdoc map[string]any
	_, err := s.editOrder(orderID, func(doc map[string]any) error {
		var lines []any
		for _, l := range asList(doc["line_items"]) {
			li := asMap(l)
			id, _ := asInt64(li["id"])
			q := shipped[id]
			if q == 0 {
				continue
			}
			left := max(asInt(li["fulfillable_quantity"])-q, 0)
			li["fulfillable_quantity"] = left
			li["fulfillment_status"] = "partial"
			if left == 0 {
				li["fulfillment_status"] = "fulfilled"
			}
			copyLine := make(map[string]any, len(li))
			for k, v := range li {
				copyLine[k] = v
			}
			copyLine["quantity"] = q
			lines = append(lines, copyLine)
		}
		n := len(asList(doc["fulfillments"])) + 1
		fdoc = map[string]any{
			"id": fid, "admin_graphql_api_id": gid("Fulfillment", fid), "order_id": orderID,
			"name": asString(doc["name"]) + "." + strconv.Itoa(n), "status": "success", "service": "manual",
			"location_id": plan[0].fo.AssignedLocationID, "origin_address": map[string]any{}, "receipt": map[string]any{},
			"shipment_status": nil, "line_items": lines, "created_at": s.stamp(now), "updated_at": s.stamp(now),
		}
		setTracking(fdoc, tracking)
		doc["fulfillments"] = append(asList(doc["fulfillments"]), fdoc)
		doc["fulfillment_status"] = "partial"
		if allDone {
			doc["fulfillment_status"] = "fulfilled"
		}
		return nil
	})
	if err != nil {
		return nil, http.StatusInternalServerError, "Internal Server Error"
	}
	st.fulfillments[fid] = orderID
	o.fuls = append(o.fuls, fid)
	return fdoc, http.StatusCreated, nil
}

func setTracking(fdoc map[string]any, t trackingInput) {
	nullable := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	fdoc["tracking_company"] = nullable(t.Company)
	fdoc["tracking_number"] = nullable(t.Number)
	fdoc["tracking_url"] = nullable(t.URL)
	fdoc["tracking_numbers"] = []any{}
	fdoc["tracking_urls"] = []any{}
	if t.Number != "" {
		fdoc["tracking_numbers"] = []any{t.Number}
	}
	if t.URL != "" {
		fdoc["tracking_urls"] = []any{t.URL}
	}
}

func (s *Server) handleListFulfillments(w http.ResponseWriter, _ *apiRequest, orderID int64) {
	s.mu.Lock()
	o := s.st.orders[orderID]
	var list []any
	if o != nil {
		doc, _ := decodeDoc(o.raw)
		list = asList(doc["fulfillments"])
		if list == nil {
			list = []any{}
		}
	}
	s.mu.Unlock()
	if o == nil {
		writeErrors(w, http.StatusNotFound, "Not Found")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"fulfillments": list})
}

func (s *Server) handleUpdateTracking(w http.ResponseWriter, r *apiRequest, id int64) {
	var body struct {
		Fulfillment *struct {
			NotifyCustomer bool           `json:"notify_customer"`
			TrackingInfo   *trackingInput `json:"tracking_info"`
		} `json:"fulfillment"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Fulfillment == nil || body.Fulfillment.TrackingInfo == nil {
		writeErrors(w, http.StatusBadRequest, map[string]any{"fulfillment": "Required parameter missing or invalid"})
		return
	}
	t := *body.Fulfillment.TrackingInfo
	t.fill()
	s.mu.Lock()
	orderID, ok := s.st.fulfillments[id]
	var fdoc map[string]any
	if ok {
		_, err := s.editOrder(orderID, func(doc map[string]any) error {
			for _, f := range asList(doc["fulfillments"]) {
				m := asMap(f)
				if fid, _ := asInt64(m["id"]); fid == id {
					setTracking(m, t)
					m["updated_at"] = s.stamp(s.now())
					fdoc = m
				}
			}
			return nil
		})
		ok = err == nil && fdoc != nil
	}
	s.mu.Unlock()
	if !ok {
		writeErrors(w, http.StatusNotFound, "Not Found")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"fulfillment": fdoc})
}
