package webhooks

import (
	"bytes"
	"encoding/json"
	"slices"
)

// The topics passthrough acts on.
const (
	TopicOrdersCreate    = "orders/create"
	TopicOrdersUpdated   = "orders/updated"
	TopicOrdersPaid      = "orders/paid"
	TopicOrdersCancelled = "orders/cancelled"
	TopicOrdersEdited    = "orders/edited"
	TopicRefundsCreate   = "refunds/create"
	TopicAppUninstalled  = "app/uninstalled"
	// The privacy topics every app must take. They are set in the app's configuration,
	// never subscribed through the API.
	TopicCustomersDataRequest = "customers/data_request"
	TopicCustomersRedact      = "customers/redact"
	TopicShopRedact           = "shop/redact"
)

// action is what the worker does with a topic's deliveries.
type action int

const (
	// stageOrder: the body is the order; it goes through the orders feed as it is.
	stageOrder action = iota + 1
	// refreshOrder: the body names an order that changed (a refund, an edit); the order
	// is fetched from Shopify and goes through the orders feed.
	refreshOrder
	uninstall
	dataRequest
	redactCustomer
	redactShop
)

var actions = map[string]action{
	TopicOrdersCreate: stageOrder, TopicOrdersUpdated: stageOrder, TopicOrdersPaid: stageOrder, TopicOrdersCancelled: stageOrder,
	TopicOrdersEdited: refreshOrder, TopicRefundsCreate: refreshOrder,
	TopicAppUninstalled:       uninstall,
	TopicCustomersDataRequest: dataRequest, TopicCustomersRedact: redactCustomer, TopicShopRedact: redactShop,
}

// Handled reports whether passthrough acts on a topic. Deliveries of other topics are
// answered 200, counted, and not kept: fulfillments/* and inventory_levels/update among
// them, since orders/updated carries a fulfilment's effect on the order, and the nightly
// stock check compares every level with the ERP's.
func Handled(topic string) bool { return actions[topic] != 0 }

// Subscribed are the topics `passthrough webhooks register` subscribes the store to: every
// handled topic but the privacy ones, which the app's configuration sets.
func Subscribed() []string {
	var out []string
	for t, a := range actions {
		switch a {
		case dataRequest, redactCustomer, redactShop:
			continue
		}
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

// ordersTopic reports whether a topic's deliveries are about orders: the health check
// looks at when the last of those came.
func ordersTopic(topic string) bool {
	a := actions[topic]
	return a == stageOrder || a == refreshOrder
}

// orderOf reads the id of the order a delivery is about, or 0: an order's own id, or the
// order_id of a refund or an order edit.
func orderOf(topic string, body []byte) int64 {
	var b struct {
		ID        json.Number `json:"id"`
		OrderID   json.Number `json:"order_id"`
		OrderEdit struct {
			OrderID json.Number `json:"order_id"`
		} `json:"order_edit"`
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	if d.Decode(&b) != nil {
		return 0
	}
	n := b.ID
	switch {
	case topic == TopicRefundsCreate:
		n = b.OrderID
	case topic == TopicOrdersEdited:
		n = b.OrderEdit.OrderID
	case actions[topic] != stageOrder:
		return 0
	}
	id, err := n.Int64()
	if err != nil || id < 0 {
		return 0
	}
	return id
}
