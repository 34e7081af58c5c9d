package shopifytest_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
)

// shop is a small store: locations A and B, SKU X stocked only at B and SKU Y only at A, a
// gift card, and order ids made on demand.
type shop struct {
	*bundle
	locA, locB      int64
	variantX, itemX int64
	variantY, itemY int64
	variantGift     int64
}

func newShop(t *testing.T) *shop {
	t.Helper()
	b := setup(t, shopifytest.WithoutRateLimits())
	s := &shop{bundle: b, locA: b.srv.AddLocation("A"), locB: b.srv.AddLocation("B")}
	_, err := b.srv.AddProduct([]byte(`{"product":{"title":"Mug","variants":[{"sku":"X","title":"Red"},{"sku":"Y","title":"Blue"}]}}`))
	require.NoError(t, err)
	_, err = b.srv.AddProduct([]byte(`{"title":"Gift Card","variants":[{"sku":"GIFT","inventory_management":null,"requires_shipping":false}]}`))
	require.NoError(t, err)
	for _, v := range b.srv.Variants() {
		switch v.SKU {
		case "X":
			s.variantX, s.itemX = v.ID, v.InventoryItemID
		case "Y":
			s.variantY, s.itemY = v.ID, v.InventoryItemID
		case "GIFT":
			s.variantGift = v.ID
		}
	}
	require.NoError(t, b.srv.SetInventoryLevel(s.itemX, s.locA, 0))
	require.NoError(t, b.srv.SetInventoryLevel(s.itemX, s.locB, 10))
	require.NoError(t, b.srv.SetInventoryLevel(s.itemY, s.locA, 5))
	require.NoError(t, b.srv.SetInventoryLevel(s.itemY, s.locB, 0))
	return s
}

// order adds an order for 3 × X, 1 × Y and a gift card.
func (s *shop) order(t *testing.T) int64 {
	t.Helper()
	id, err := s.srv.AddOrder([]byte(fmt.Sprintf(`{"financial_status":"paid","line_items":[
		{"variant_id":%d,"sku":"X","quantity":3,"price":"4.00"},
		{"variant_id":%d,"sku":"Y","quantity":1,"price":"5.00"},
		{"variant_id":%d,"sku":"GIFT","quantity":1,"price":"25.00","gift_card":true,"requires_shipping":false}]}`,
		s.variantX, s.variantY, s.variantGift)))
	require.NoError(t, err)
	return id
}

func (s *shop) fulfill(t *testing.T, body string) reply {
	t.Helper()
	return s.call(t, http.MethodPost, "/admin/api/2026-07/fulfillments.json", body)
}

func TestFulfillmentOrdersFollowTheirStateMachine(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	id := s.order(t)

	fos := s.srv.FulfillmentOrders(id)
	require.Len(t, fos, 2, "one fulfillment order per location the lines are assigned to; the gift card needs none")
	var foX, foY shopifytest.FulfillmentOrder
	for _, fo := range fos {
		require.Equal(t, "open", fo.Status)
		require.Len(t, fo.LineItems, 1)
		if fo.LineItems[0].InventoryItemID == s.itemX {
			foX = fo
		} else {
			foY = fo
		}
	}
	require.Equal(t, s.locB, foX.AssignedLocationID, "X ships from B, where it is in stock")
	require.Equal(t, s.locA, foY.AssignedLocationID)

	r := s.call(t, http.MethodGet, fmt.Sprintf("/admin/api/2026-07/orders/%d/fulfillment_orders.json", id), "")
	require.Equal(t, http.StatusOK, r.status)
	rest := list(r.json(t)["fulfillment_orders"])
	require.Len(t, rest, 2)
	require.Contains(t, list(obj(rest[0])["supported_actions"]), "create_fulfillment")

	lineX := foX.LineItems[0].ID
	steps := []struct {
		name        string
		body        string
		status      int
		errors      string // the exact error body, when the request fails
		xStatus     string
		orderStatus string
	}{
		{
			name:   "a partial shipment leaves the fulfillment order in progress",
			body:   fmt.Sprintf(`{"fulfillment":{"line_items_by_fulfillment_order":[{"fulfillment_order_id":%d,"fulfillment_order_line_items":[{"id":%d,"quantity":1}]}],"tracking_info":{"number":"1Z999AA10123456784"},"notify_customer":false},"receipt":{}}`, foX.ID, lineX),
			status: http.StatusCreated, xStatus: "in_progress", orderStatus: "partial",
		},
		{
			name:   "more than is left is refused with 422",
			body:   fmt.Sprintf(`{"fulfillment":{"line_items_by_fulfillment_order":[{"fulfillment_order_id":%d,"fulfillment_order_line_items":[{"id":%d,"quantity":5}]}]}}`, foX.ID, lineX),
			status: http.StatusUnprocessableEntity, errors: `{"errors":["Invalid fulfillment order line item quantity requested."]}`, xStatus: "in_progress", orderStatus: "partial",
		},
		{
			name:   "a line that is not on the fulfillment order is refused with 422",
			body:   fmt.Sprintf(`{"fulfillment":{"line_items_by_fulfillment_order":[{"fulfillment_order_id":%d,"fulfillment_order_line_items":[{"id":%d,"quantity":1}]}]}}`, foY.ID, lineX),
			status: http.StatusUnprocessableEntity, errors: `{"errors":["Invalid fulfillment order line item id requested."]}`, xStatus: "in_progress", orderStatus: "partial",
		},
		{
			name:   "no lines ships everything left on both fulfillment orders",
			body:   fmt.Sprintf(`{"fulfillment":{"line_items_by_fulfillment_order":[{"fulfillment_order_id":%d},{"fulfillment_order_id":%d}],"tracking_info":{"number":"PARCEL-2","company":"DHL"}}}`, foX.ID, foY.ID),
			status: http.StatusCreated, xStatus: "closed", orderStatus: "fulfilled",
		},
		{
			name:   "a closed fulfillment order is refused with 422",
			body:   fmt.Sprintf(`{"fulfillment":{"line_items_by_fulfillment_order":[{"fulfillment_order_id":%d}]}}`, foX.ID),
			status: http.StatusUnprocessableEntity, errors: fmt.Sprintf(`{"errors":["Fulfillment order %d has an unfulfillable status= closed."]}`, foX.ID), xStatus: "closed", orderStatus: "fulfilled",
		},
		{
			name:   "a body without fulfillment is a bad request",
			body:   `{"line_items_by_fulfillment_order":[]}`,
			status: http.StatusBadRequest, errors: `{"errors":{"fulfillment":"Required parameter missing or invalid"}}`, xStatus: "closed", orderStatus: "fulfilled",
		},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			r := s.fulfill(t, st.body)
			require.Equal(t, st.status, r.status, string(r.body))
			if st.errors != "" {
				require.JSONEq(t, st.errors, string(r.body))
			}
			for _, fo := range s.srv.FulfillmentOrders(id) {
				if fo.ID == foX.ID {
					require.Equal(t, st.xStatus, fo.Status)
				}
			}
			raw, _ := s.srv.Order(id)
			require.Contains(t, string(raw), `"fulfillment_status":"`+st.orderStatus+`"`)
		})
	}

	fs := s.srv.Fulfillments(id)
	require.Len(t, fs, 2)
	require.Equal(t, "#1001.1", fs[0].Name)
	require.Equal(t, "UPS", fs[0].TrackingCompany, "Shopify recognises a UPS number")
	require.Contains(t, fs[0].TrackingURL, "1Z999AA10123456784")
	require.Equal(t, []shopifytest.FulfillmentLine{{LineItemID: foX.LineItems[0].LineItemID, SKU: "X", Quantity: 1}}, fs[0].LineItems)
	require.Equal(t, "DHL", fs[1].TrackingCompany)

	t.Run("the order's fulfillments are listed", func(t *testing.T) {
		r := s.call(t, http.MethodGet, fmt.Sprintf("/admin/api/2026-07/orders/%d/fulfillments.json", id), "")
		require.Equal(t, http.StatusOK, r.status)
		require.Len(t, list(r.json(t)["fulfillments"]), 2)
	})
	t.Run("tracking can be updated", func(t *testing.T) {
		r := s.call(t, http.MethodPost, fmt.Sprintf("/admin/api/2026-07/fulfillments/%d/update_tracking.json", fs[1].ID),
			`{"fulfillment":{"notify_customer":true,"tracking_info":{"number":"NEW-1","company":"FedEx"}}}`)
		require.Equal(t, http.StatusOK, r.status, string(r.body))
		require.Equal(t, "NEW-1", s.srv.Fulfillments(id)[1].TrackingNumber)
	})
}

func TestFulfillmentRefusals(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	first, second := s.order(t), s.order(t)
	fo1, fo2 := s.srv.FulfillmentOrders(first)[0], s.srv.FulfillmentOrders(second)[0]

	t.Run("fulfillment orders of two orders cannot be shipped together", func(t *testing.T) {
		r := s.fulfill(t, fmt.Sprintf(`{"fulfillment":{"line_items_by_fulfillment_order":[{"fulfillment_order_id":%d},{"fulfillment_order_id":%d}]}}`, fo1.ID, fo2.ID))
		require.Equal(t, http.StatusUnprocessableEntity, r.status)
		require.JSONEq(t, `{"errors":["All fulfillment orders must belong to the same order."]}`, string(r.body))
		require.Empty(t, s.srv.Fulfillments(first), "nothing was applied")
	})
	t.Run("a fulfillment order on hold cannot be shipped until released", func(t *testing.T) {
		r := s.call(t, http.MethodPost, fmt.Sprintf("/admin/api/2026-07/fulfillment_orders/%d/hold.json", fo1.ID), `{"fulfillment_hold":{"reason":"awaiting_payment"}}`)
		require.Equal(t, http.StatusOK, r.status, string(r.body))
		r = s.fulfill(t, fmt.Sprintf(`{"fulfillment":{"line_items_by_fulfillment_order":[{"fulfillment_order_id":%d}]}}`, fo1.ID))
		require.Equal(t, http.StatusUnprocessableEntity, r.status)
		require.JSONEq(t, fmt.Sprintf(`{"errors":["Fulfillment order %d has an unfulfillable status= on_hold."]}`, fo1.ID), string(r.body))
		require.NoError(t, s.srv.ReleaseFulfillmentOrder(fo1.ID))
		require.Equal(t, http.StatusCreated, s.fulfill(t, fmt.Sprintf(`{"fulfillment":{"line_items_by_fulfillment_order":[{"fulfillment_order_id":%d}]}}`, fo1.ID)).status)
	})
	t.Run("a cancelled order's fulfillment orders are closed", func(t *testing.T) {
		require.NoError(t, s.srv.CancelOrder(second, "inventory"))
		r := s.fulfill(t, fmt.Sprintf(`{"fulfillment":{"line_items_by_fulfillment_order":[{"fulfillment_order_id":%d}]}}`, fo2.ID))
		require.Equal(t, http.StatusUnprocessableEntity, r.status)
		require.Contains(t, string(r.body), "unfulfillable status= closed.")
	})
	t.Run("an unknown fulfillment order is refused", func(t *testing.T) {
		r := s.fulfill(t, `{"fulfillment":{"line_items_by_fulfillment_order":[{"fulfillment_order_id":1}]}}`)
		require.Equal(t, http.StatusUnprocessableEntity, r.status)
		require.JSONEq(t, `{"errors":["Fulfillment order 1 does not exist."]}`, string(r.body))
	})
}
