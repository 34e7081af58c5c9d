// Package ordertruth says what the shipped orders mapping must stage, worked out from raw
// Shopify payloads without the mapping engine, so tests can check the feed against the
// simulator's own truth rather than against the code under test.
package ordertruth

import (
	"encoding/json"
	"fmt"
)

// Lines reads one order's raw payload and says whether the shipped orders mapping stages
// it and with how many lines: the order is paid (or paid and partly refunded), not a test and
// not cancelled, and every line that ships (requires shipping, not a gift card, not edited or
// refunded away) has a SKU.
func Lines(raw []byte) (lines int, staged bool, err error) {
	var o struct {
		FinancialStatus string  `json:"financial_status"`
		Test            bool    `json:"test"`
		CancelledAt     *string `json:"cancelled_at"`
		Lines           []struct {
			SKU              string `json:"sku"`
			RequiresShipping bool   `json:"requires_shipping"`
			GiftCard         bool   `json:"gift_card"`
			Quantity         int    `json:"quantity"`
			CurrentQuantity  *int   `json:"current_quantity"`
		} `json:"line_items"`
	}
	if err := json.Unmarshal(raw, &o); err != nil {
		return 0, false, fmt.Errorf("read order: %w", err)
	}
	if (o.FinancialStatus != "paid" && o.FinancialStatus != "partially_refunded") || o.Test || o.CancelledAt != nil {
		return 0, false, nil
	}
	ok := true
	for _, l := range o.Lines {
		q := l.Quantity
		if l.CurrentQuantity != nil {
			q = *l.CurrentQuantity
		}
		if !l.RequiresShipping || l.GiftCard || q <= 0 {
			continue
		}
		if l.SKU == "" {
			ok = false
		}
		lines++
	}
	return lines, ok && lines > 0, nil
}

// Source is where the orders come from: the Shopify simulator.
type Source interface {
	OrderIDs() []int64
	Order(id int64) (json.RawMessage, bool)
}

// Staged is every order of src the shipped mapping stages, with its number of lines.
func Staged(src Source) (map[int64]int, error) {
	want := map[int64]int{}
	for _, id := range src.OrderIDs() {
		raw, ok := src.Order(id)
		if !ok {
			return nil, fmt.Errorf("order %d is gone", id)
		}
		n, staged, err := Lines(raw)
		if err != nil {
			return nil, fmt.Errorf("order %d: %w", id, err)
		}
		if staged {
			want[id] = n
		}
	}
	return want, nil
}
