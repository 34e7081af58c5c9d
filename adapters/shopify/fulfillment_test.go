package shopify_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/shopify"
	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
)

func TestShippingAnOrderInParts(t *testing.T) {
	t.Parallel()
	s := newSmallShop(t, nil)
	ctx := context.Background()

	fos, err := s.client.FulfillmentOrders(ctx, s.order)
	require.NoError(t, err)
	require.Len(t, fos, 2)
	var foX, foY shopify.FulfillmentOrder
	for _, fo := range fos {
		require.True(t, fo.CanFulfill())
		require.Equal(t, s.order, fo.OrderID)
		if fo.LineItems[0].InventoryItemID == s.itemX {
			foX = fo
		} else {
			foY = fo
		}
	}
	require.Equal(t, s.locB, foX.AssignedLocationID)
	require.Equal(t, 3, foX.LineItems[0].FulfillableQuantity)

	lineX := foX.LineItems[0].ID
	steps := []struct {
		name   string
		req    shopify.FulfillmentRequest
		status int    // of the APIError, when the request is refused
		msg    string // Shopify's message, verbatim
		check  func(t *testing.T, f shopify.Fulfillment)
	}{
		{
			name: "a partial shipment with its tracking number",
			req: shopify.FulfillmentRequest{
				FulfillmentOrders: []shopify.FulfillmentOrderItems{{FulfillmentOrderID: foX.ID, Lines: []shopify.FulfillmentItem{{FulfillmentOrderLineID: lineX, Quantity: 2}}}},
				Tracking:          shopify.Tracking{Number: "1Z999AA10123456784"}, NotifyCustomer: true,
			},
			check: func(t *testing.T, f shopify.Fulfillment) {
				require.Equal(t, "#1001.1", f.Name)
				require.Equal(t, "success", f.Status)
				require.Equal(t, s.locB, f.LocationID)
				require.Equal(t, "UPS", f.TrackingCompany)
				require.True(t, f.HasTrackingNumber("1Z999AA10123456784"))
				require.Equal(t, []shopify.FulfilledLine{{LineItemID: foX.LineItems[0].LineItemID, SKU: "X", Quantity: 2}}, f.LineItems)
			},
		},
		{
			name: "more than is left is refused with Shopify's message",
			req: shopify.FulfillmentRequest{
				FulfillmentOrders: []shopify.FulfillmentOrderItems{{FulfillmentOrderID: foX.ID, Lines: []shopify.FulfillmentItem{{FulfillmentOrderLineID: lineX, Quantity: 2}}}},
				Tracking:          shopify.Tracking{Number: "PARCEL-9"},
			},
			status: http.StatusUnprocessableEntity, msg: "Invalid fulfillment order line item quantity requested.",
		},
		{
			name: "the rest of both fulfillment orders",
			req: shopify.FulfillmentRequest{
				FulfillmentOrders: []shopify.FulfillmentOrderItems{{FulfillmentOrderID: foX.ID}, {FulfillmentOrderID: foY.ID}},
				Tracking:          shopify.Tracking{Number: "PARCEL-2", Company: "DHL", URL: "https://example.com/t/PARCEL-2"},
			},
			check: func(t *testing.T, f shopify.Fulfillment) {
				require.Equal(t, "#1001.2", f.Name)
				require.Equal(t, []string{"https://example.com/t/PARCEL-2"}, f.TrackingURLs)
				require.Len(t, f.LineItems, 2)
			},
		},
		{
			name: "a closed fulfillment order is refused with Shopify's message",
			req: shopify.FulfillmentRequest{
				FulfillmentOrders: []shopify.FulfillmentOrderItems{{FulfillmentOrderID: foX.ID}},
			},
			status: http.StatusUnprocessableEntity, msg: fmt.Sprintf("Fulfillment order %d has an unfulfillable status= closed.", foX.ID),
		},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			f, err := s.client.CreateFulfillment(ctx, st.req)
			if st.status != 0 {
				var apiErr *shopify.APIError
				require.ErrorAs(t, err, &apiErr)
				require.Equal(t, st.status, apiErr.Status)
				require.Equal(t, st.msg, apiErr.Message)
				require.ErrorContains(t, err, st.msg)
				require.NotErrorIs(t, err, shopify.ErrRetryable, "a 422 is permanent")
				return
			}
			require.NoError(t, err)
			st.check(t, f)
		})
	}

	fs, err := s.client.Fulfillments(ctx, s.order)
	require.NoError(t, err)
	require.Len(t, fs, 2)
	require.True(t, fs[0].HasTrackingNumber("1Z999AA10123456784"))
	require.True(t, fs[1].HasTrackingNumber("PARCEL-2"))
	require.False(t, fs[1].HasTrackingNumber(""))

	fos, err = s.client.FulfillmentOrders(ctx, s.order)
	require.NoError(t, err)
	for _, fo := range fos {
		require.Equal(t, "closed", fo.Status)
		require.False(t, fo.CanFulfill())
	}
	raw, _ := s.srv.Order(s.order)
	require.Contains(t, string(raw), `"fulfillment_status":"fulfilled"`)
}

func TestACreateThatMayHaveHappenedIsNotRepeated(t *testing.T) {
	t.Parallel()
	s := newSmallShop(t, nil)
	fo := s.srv.FulfillmentOrders(s.order)[0]
	s.srv.SetFaults(shopifytest.Faults{ServerErrorRate: 1})

	_, err := s.client.CreateFulfillment(context.Background(), shopify.FulfillmentRequest{
		FulfillmentOrders: []shopify.FulfillmentOrderItems{{FulfillmentOrderID: fo.ID}},
		Tracking:          shopify.Tracking{Number: "PARCEL-1"},
	})
	require.ErrorIs(t, err, shopify.ErrRetryable, "the feed tries again later, after checking the order's fulfillments")
	require.Equal(t, int64(1), s.srv.RequestCount(), "sent once: Shopify may have acted on it")

	t.Run("but a 429 is repeated, since Shopify did nothing", func(t *testing.T) {
		s.srv.SetFaults(shopifytest.Faults{})
		s.srv.Storm429(1)
		f, err := s.client.CreateFulfillment(context.Background(), shopify.FulfillmentRequest{
			FulfillmentOrders: []shopify.FulfillmentOrderItems{{FulfillmentOrderID: fo.ID}},
			Tracking:          shopify.Tracking{Number: "PARCEL-1"},
		})
		require.NoError(t, err)
		require.True(t, f.HasTrackingNumber("PARCEL-1"))
		require.Len(t, s.srv.Fulfillments(s.order), 1)
	})
}

func TestAFulfillmentRequestIsCheckedBeforeItIsSent(t *testing.T) {
	t.Parallel()
	s := newSmallShop(t, nil)
	cases := []struct {
		name string
		req  shopify.FulfillmentRequest
		err  string
	}{
		{"no fulfillment order", shopify.FulfillmentRequest{}, "create fulfillment: no fulfillment order given"},
		{"a quantity of zero", shopify.FulfillmentRequest{FulfillmentOrders: []shopify.FulfillmentOrderItems{{FulfillmentOrderID: 1, Lines: []shopify.FulfillmentItem{{FulfillmentOrderLineID: 2}}}}},
			"create fulfillment: quantity 0 for fulfillment order line 2 is not positive"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.client.CreateFulfillment(context.Background(), tc.req)
			require.EqualError(t, err, tc.err)
		})
	}
	require.Zero(t, s.srv.RequestCount())
}
