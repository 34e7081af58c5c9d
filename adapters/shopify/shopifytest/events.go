package shopifytest

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// Changes a test makes happen in the shop, each with the webhooks Shopify sends for it, and
// the REST transaction that marks an order paid from outside the process.

// RefundWhole refunds what is left of an order through RefundOrder: every line's remaining
// units, returned and restocked, and the shipping not refunded yet. It sends refunds/create
// and orders/updated, and fails for an order refunded already.
func (s *Server) RefundWhole(id int64) error {
	raw, ok := s.Order(id)
	if !ok {
		return fmt.Errorf("order %d: %w", id, errNotFound)
	}
	doc, err := decodeDoc(raw)
	if err != nil {
		return fmt.Errorf("decode order %d: %w", id, err)
	}
	if asString(doc["financial_status"]) == "refunded" {
		return fmt.Errorf("order %d is refunded already", id)
	}
	var r RefundRequest
	for _, l := range asList(doc["line_items"]) {
		li := asMap(l)
		if n := currentQuantity(li); n > 0 {
			lid, _ := asInt64(li["id"])
			r.Lines = append(r.Lines, RefundLine{LineItemID: lid, Quantity: n})
		}
	}
	for _, sl := range asList(doc["shipping_lines"]) {
		r.Shipping = r.Shipping.Add(amount(asMap(sl)["price"]))
	}
	for _, rf := range asList(doc["refunds"]) {
		for _, a := range asList(asMap(rf)["order_adjustments"]) {
			if adj := asMap(a); asString(adj["kind"]) == "shipping_refund" {
				r.Shipping = r.Shipping.Add(amount(adj["amount"])) // negative
			}
		}
	}
	_, err = s.RefundOrder(id, r)
	return err
}

// UninstallApp is the merchant uninstalling the app: Shopify sends app/uninstalled, then
// removes the app's webhook subscriptions and its tokens stop working (the static token
// too, until ReinstallApp).
func (s *Server) UninstallApp() {
	s.mu.Lock()
	body, _ := json.Marshal(map[string]any{"id": s.st.shopID, "name": s.Shop, "domain": s.Domain(), "myshopify_domain": s.Domain()})
	s.mu.Unlock()
	s.hooks.send(s.Domain(), s.newest, "app/uninstalled", body, s.clock.Now())
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.subs)
	clear(s.issued)
	s.uninstalled = true
}

// ReinstallApp installs the app again after UninstallApp: its tokens work again; its
// webhook subscriptions are gone and must be made again.
func (s *Server) ReinstallApp() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.uninstalled = false
}

// RequestCustomerData is a customer asking the merchant for their data: Shopify sends
// customers/data_request to the app's address, with the orders it concerns. It returns the
// request's id.
func (s *Server) RequestCustomerData(customerID int64, email string, orderIDs []int64) int64 {
	s.mu.Lock()
	id := s.st.newID()
	body, _ := json.Marshal(map[string]any{
		"shop_id": s.st.shopID, "shop_domain": s.Domain(), "orders_requested": nonNilIDs(orderIDs),
		"customer": map[string]any{"id": customerID, "email": email, "phone": nil}, "data_request": map[string]any{"id": id},
	})
	s.mu.Unlock()
	s.hooks.send(s.Domain(), s.newest, "customers/data_request", body, s.clock.Now())
	return id
}

// RequestCustomerRedact is the merchant asking apps to forget a customer: Shopify sends
// customers/redact to the app's address with the orders to redact.
func (s *Server) RequestCustomerRedact(customerID int64, email string, orderIDs []int64) {
	s.mu.Lock()
	body, _ := json.Marshal(map[string]any{
		"shop_id": s.st.shopID, "shop_domain": s.Domain(),
		"customer": map[string]any{"id": customerID, "email": email, "phone": nil}, "orders_to_redact": nonNilIDs(orderIDs),
	})
	s.mu.Unlock()
	s.hooks.send(s.Domain(), s.newest, "customers/redact", body, s.clock.Now())
}

// RequestShopRedact is what Shopify sends 48 hours after the app was uninstalled:
// shop/redact, to forget the whole shop.
func (s *Server) RequestShopRedact() {
	s.mu.Lock()
	body, _ := json.Marshal(map[string]any{"shop_id": s.st.shopID, "shop_domain": s.Domain()})
	s.mu.Unlock()
	s.hooks.send(s.Domain(), s.newest, "shop/redact", body, s.clock.Now())
}

func nonNilIDs(ids []int64) []int64 {
	if ids == nil {
		return []int64{}
	}
	return ids
}

// handleCreateTransaction is POST orders/{id}/transactions.json. A capture (or a sale) of
// what an order still owes marks it paid, with orders/paid and orders/updated, as PayOrder
// does; anything else is refused.
func (s *Server) handleCreateTransaction(w http.ResponseWriter, r *apiRequest, id int64) {
	var body struct {
		Transaction *struct {
			Kind string `json:"kind"`
		} `json:"transaction"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Transaction == nil {
		writeErrors(w, http.StatusBadRequest, map[string]any{"transaction": "Required parameter missing or invalid"})
		return
	}
	if k := body.Transaction.Kind; k != "capture" && k != "sale" {
		writeErrors(w, http.StatusUnprocessableEntity, map[string]any{"kind": []string{"is not supported by the simulator: use capture or sale"}})
		return
	}
	raw, ok := s.Order(id)
	if !ok {
		writeErrors(w, http.StatusNotFound, "Not Found")
		return
	}
	doc, err := decodeDoc(raw)
	if err != nil {
		writeErrors(w, http.StatusInternalServerError, "Internal Server Error")
		return
	}
	switch asString(doc["financial_status"]) {
	case "pending", "authorized", "partially_paid":
	default:
		// [unverified] the wording.
		writeErrors(w, http.StatusUnprocessableEntity, map[string]any{"base": []string{"The order has nothing left to capture"}})
		return
	}
	if err := s.PayOrder(id); err != nil {
		writeErrors(w, http.StatusUnprocessableEntity, map[string]any{"base": []string{err.Error()}})
		return
	}
	s.mu.Lock()
	tid := s.st.newID()
	at := s.stamp(s.now())
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]any{"transaction": map[string]any{
		"id": tid, "order_id": id, "kind": body.Transaction.Kind, "status": "success", "amount": asString(doc["total_outstanding"]),
		"currency": asString(doc["currency"]), "gateway": "manual", "created_at": at, "admin_graphql_api_id": gid("OrderTransaction", tid),
	}})
}
