package webhooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/record"
)

// The privacy requests. customers/redact takes the customer's personal data out of
// passthrough's own copies of their orders — the ledger's payload, name and email, and
// stored deliveries — for the orders Shopify names and any others the ledger has under the
// customer's email; shop/redact does it for every order of the shop. customers/data_request
// is recorded for a person to answer: the data passthrough holds on the customer is the
// ledger entries of the orders it names. Staging tables are never touched: what the ERP
// holds is the ERP's, and its own retention rules apply. Each request is recorded with what
// was done, for the portal.

// privacyBody is what the privacy topics carry.
type privacyBody struct {
	Customer struct {
		ID    int64  `json:"id"`
		Email string `json:"email"`
	} `json:"customer"`
	OrdersToRedact  []int64 `json:"orders_to_redact"`
	OrdersRequested []int64 `json:"orders_requested"`
	DataRequest     struct {
		ID json.Number `json:"id"`
	} `json:"data_request"`
}

func (w *Worker) privacy(ctx context.Context, d erp.WebhookDelivery) error {
	var b privacyBody
	if err := json.Unmarshal(d.Body, &b); err != nil {
		return &permanentError{fmt.Errorf("read the privacy request: %w", err)}
	}
	r := erp.Redaction{Shop: d.Shop, Topic: d.Topic, CustomerID: b.Customer.ID, ReceivedAt: d.ReceivedAt}
	switch d.Topic {
	case TopicCustomersDataRequest:
		r.OrderIDs, r.RequestID = b.OrdersRequested, b.DataRequest.ID.String()
	case TopicCustomersRedact:
		r.OrderIDs = b.OrdersToRedact
		ids, err := w.customerOrders(ctx, d.Shop, b.OrdersToRedact, b.Customer.Email)
		if err != nil {
			return err
		}
		for _, id := range ids {
			done, err := w.redactOrder(ctx, d.Shop, id)
			if err != nil {
				return err
			}
			if done {
				r.Entries++
			}
		}
		if r.Deliveries, err = w.Store.WebhookRedact(ctx, d.Shop, ids); err != nil {
			return fmt.Errorf("redact stored deliveries: %w", err)
		}
	case TopicShopRedact:
		var err error
		if r.Entries, r.Deliveries, err = w.Store.ShopRedact(ctx, d.Shop); err != nil {
			return fmt.Errorf("redact the shop: %w", err)
		}
	}
	r.DoneAt = w.Now()
	if err := w.Store.RedactionAdd(ctx, r); err != nil {
		return fmt.Errorf("record the privacy request: %w", err)
	}
	w.Log.Info("privacy request carried out", "shop", d.Shop, "topic", d.Topic, "entries", r.Entries, "deliveries", r.Deliveries)
	return nil
}

// customerOrders are the orders a customer's redaction covers: those Shopify names, and
// those the ledger has under the customer's email.
func (w *Worker) customerOrders(ctx context.Context, shop string, named []int64, email string) ([]int64, error) {
	ids := slices.Clone(named)
	email = strings.TrimSpace(email)
	if email == "" {
		return ids, nil
	}
	p := erp.LedgerListParams{Shop: shop, Search: email, Limit: 1000}
	for {
		page, err := w.Store.LedgerList(ctx, p)
		if err != nil {
			return nil, fmt.Errorf("find the customer's orders: %w", err)
		}
		for _, e := range page {
			if strings.EqualFold(e.CustomerEmail, email) && !slices.Contains(ids, e.OrderID) {
				ids = append(ids, e.OrderID)
			}
		}
		if len(page) < p.Limit {
			return ids, nil
		}
		p.After = page[len(page)-1].Cursor()
	}
}

// redactOrder takes the personal data out of one ledger entry; false when the ledger has
// no such order.
func (w *Worker) redactOrder(ctx context.Context, shop string, id int64) (bool, error) {
	e, err := w.Store.LedgerGet(ctx, shop, id)
	if errors.Is(err, erp.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read order %d: %w", id, err)
	}
	var payload json.RawMessage
	if len(e.Payload) > 0 {
		if payload, err = record.RedactOrder(e.Payload); err != nil {
			payload = nil // a payload that cannot be read is dropped whole
		}
	}
	err = w.Store.LedgerRedact(ctx, erp.LedgerRedactParams{Shop: shop, OrderID: id, Payload: payload,
		Message: "the customer's personal data was removed (customers/redact)"})
	if err != nil {
		return false, fmt.Errorf("redact order %d: %w", id, err)
	}
	return true, nil
}

// UninstalledKey is the setting that says when a store's app was uninstalled; while it is
// set, the store's feeds do not run.
func UninstalledKey(shop string) string { return "webhooks.uninstalled:" + shop }
