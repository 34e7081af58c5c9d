package shopifytest

import (
	"encoding/json"
	"fmt"

	"github.com/shopspring/decimal"
)

// RefundLine is a quantity of one line item to refund.
type RefundLine struct {
	LineItemID int64
	Quantity   int
	// RestockType is no_restock, cancel, return or legacy_restock (default return).
	RestockType string
}

// RefundRequest is what RefundOrder gives back: units of lines, and an amount of shipping
// besides.
type RefundRequest struct {
	Lines    []RefundLine
	Shipping decimal.Decimal
	Note     string
}

// RefundOrder refunds part of an order as Shopify does: it adds a refund to the order's
// refunds (its refund_line_items with the line as it was, subtotal net of the line's
// discount and the tax of the units, shipping as an order adjustment of kind
// shipping_refund, negative, and the refund transaction), takes the units off the lines'
// current and fulfillable quantities and the current totals, makes the order partially
// refunded (refunded when nothing is left) and takes the units off its open fulfillment
// orders. It sends refunds/create and orders/updated, and returns the refund's id.
func (s *Server) RefundOrder(id int64, r RefundRequest) (int64, error) {
	var refundID int64
	var refundDoc map[string]any
	s.mu.Lock()
	o, err := s.editOrder(id, func(doc map[string]any) error {
		currency := asString(doc["currency"])
		included := asBool(doc["taxes_included"], false)
		byID := map[int64]map[string]any{}
		for _, l := range asList(doc["line_items"]) {
			li := asMap(l)
			lid, _ := asInt64(li["id"])
			byID[lid] = li
		}
		var items []any
		var subtotal, tax, discount decimal.Decimal
		for _, rl := range r.Lines {
			li := byID[rl.LineItemID]
			if li == nil {
				return fmt.Errorf("order %d has no line item %d", id, rl.LineItemID)
			}
			current := currentQuantity(li)
			if rl.Quantity <= 0 || rl.Quantity > current {
				return fmt.Errorf("line item %d has %d left to refund, not %d", rl.LineItemID, current, rl.Quantity)
			}
			qty, ordered := decimal.NewFromInt(int64(rl.Quantity)), decimal.NewFromInt(int64(max(asInt(li["quantity"]), 1)))
			var lineDiscount, lineTax decimal.Decimal
			for _, a := range asList(li["discount_allocations"]) {
				lineDiscount = lineDiscount.Add(amount(asMap(a)["amount"]))
			}
			for _, t := range asList(li["tax_lines"]) {
				lineTax = lineTax.Add(amount(asMap(t)["price"]))
			}
			disc := lineDiscount.Mul(qty).Div(ordered).Round(2)
			sub := amount(li["price"]).Mul(qty).Sub(disc)
			tx := lineTax.Mul(qty).Div(ordered).Round(2)
			subtotal, tax, discount = subtotal.Add(sub), tax.Add(tx), discount.Add(disc)
			restock := rl.RestockType
			if restock == "" {
				restock = "return"
			}
			lineCopy := map[string]any{}
			for k, v := range li {
				lineCopy[k] = v
			}
			items = append(items, map[string]any{
				"id": s.st.newID(), "line_item_id": rl.LineItemID, "quantity": rl.Quantity, "restock_type": restock,
				"location_id": s.firstLocation(), "subtotal": sub.StringFixed(2), "subtotal_set": moneySetOf(sub, currency),
				"total_tax": tx.StringFixed(2), "total_tax_set": moneySetOf(tx, currency), "line_item": lineCopy,
			})
			li["current_quantity"] = current - rl.Quantity
			li["fulfillable_quantity"] = max(asInt(li["fulfillable_quantity"])-rl.Quantity, 0)
			s.takeFromFulfillmentOrders(id, rl.LineItemID, rl.Quantity)
		}
		refundID = s.st.newID()
		var adjustments []any
		if r.Shipping.IsPositive() {
			adjustments = append(adjustments, map[string]any{
				"id": s.st.newID(), "order_id": id, "refund_id": refundID, "kind": "shipping_refund", "reason": "Shipping refund",
				"amount": r.Shipping.Neg().StringFixed(2), "amount_set": moneySetOf(r.Shipping.Neg(), currency),
				"tax_amount": "0.00", "tax_amount_set": moneySetOf(decimal.Zero, currency),
			})
		}
		total := subtotal.Add(r.Shipping)
		if !included {
			total = total.Add(tax)
		}
		now := s.stamp(s.now())
		refundDoc = map[string]any{
			"id": refundID, "order_id": id, "admin_graphql_api_id": gid("Refund", refundID), "created_at": now, "processed_at": now,
			"note": r.Note, "restock": len(items) > 0, "user_id": nil, "refund_line_items": nonNil(items),
			"order_adjustments": nonNil(adjustments), "duties": []any{},
			"transactions": []any{map[string]any{"id": s.st.newID(), "order_id": id, "amount": total.StringFixed(2), "kind": "refund",
				"status": "success", "gateway": "shopify_payments", "currency": currency, "created_at": now}},
		}
		doc["refunds"] = append(asList(doc["refunds"]), refundDoc)
		for field, less := range map[string]decimal.Decimal{
			"current_total_price": total, "current_subtotal_price": subtotal, "current_total_tax": tax, "current_total_discounts": discount,
		} {
			v := amount(doc[field]).Sub(less)
			doc[field] = v.StringFixed(2)
			doc[field+"_set"] = moneySetOf(v, currency)
		}
		left := 0
		for _, li := range byID {
			left += currentQuantity(li)
		}
		doc["financial_status"] = "partially_refunded"
		if left == 0 {
			doc["financial_status"] = "refunded"
		}
		return nil
	})
	var raw []byte
	if err == nil {
		raw = o.raw
	}
	s.mu.Unlock()
	if err != nil {
		return 0, err
	}
	if b, err := json.Marshal(refundDoc); err == nil {
		s.hooks.send(s.Domain(), s.newest, "refunds/create", b, s.clock.Now())
	}
	s.hooks.send(s.Domain(), s.newest, "orders/updated", raw, s.clock.Now())
	return refundID, nil
}

// takeFromFulfillmentOrders takes refunded units off an order's open fulfillment order
// lines. The caller holds s.mu.
func (s *Server) takeFromFulfillmentOrders(orderID, lineItemID int64, qty int) {
	for _, foID := range s.st.orders[orderID].fos {
		fo := s.st.fos[foID]
		if fo == nil {
			continue
		}
		for i := range fo.LineItems {
			l := &fo.LineItems[i]
			if l.LineItemID != lineItemID || qty == 0 {
				continue
			}
			n := min(qty, l.FulfillableQuantity)
			l.FulfillableQuantity -= n
			l.Quantity -= n
			qty -= n
			fo.UpdatedAt = s.now()
		}
		if fo.Status == "open" || fo.Status == "in_progress" {
			fo.Status = foStatus(fo)
		}
	}
}

// currentQuantity is what a line has left after its refunds and edits: current_quantity,
// or its quantity in an order given without one.
func currentQuantity(li map[string]any) int {
	if cq, ok := asInt64(li["current_quantity"]); ok {
		return int(cq)
	}
	return asInt(li["quantity"])
}

// firstLocation is where refunded goods go back to: the first location, or none.
func (s *Server) firstLocation() any {
	if len(s.st.locationIDs) == 0 {
		return nil
	}
	return s.st.locationIDs[0]
}

func amount(v any) decimal.Decimal {
	d, err := decimal.NewFromString(asString(v))
	if err != nil {
		return decimal.Zero
	}
	return d
}

// moneySetOf is a *_set of an amount in the shop's currency, shown in the same.
func moneySetOf(d decimal.Decimal, currency string) map[string]any {
	m := map[string]any{"amount": d.StringFixed(2), "currency_code": currency}
	return map[string]any{"shop_money": m, "presentment_money": m}
}
