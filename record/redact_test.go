package record_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/record"
)

func TestRedactOrderRemovesThePersonAndKeepsTheOrder(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../mappings/tests/payloads/order-9999-webhook-sample.json")
	require.NoError(t, err)
	out, err := record.RedactOrder(raw)
	require.NoError(t, err)

	for _, gone := range []string{"jon@example.com", "john@example.com", "Steve", "Shipper", "123 Shipping Street", "555-555-SHIP", "John"} {
		require.NotContains(t, string(out), gone)
	}
	var o map[string]any
	require.NoError(t, json.Unmarshal(out, &o))
	for _, k := range []string{"customer", "billing_address", "shipping_address", "email", "contact_email", "phone", "order_status_url"} {
		v, ok := o[k]
		require.True(t, ok, "%s stays, as null", k)
		require.Nil(t, v, k)
	}
	require.Contains(t, string(out), `"id":820982911946154508`, "ids stay exact")

	before, after := record.ReadOrder(raw), record.ReadOrder(out)
	require.NoError(t, after.Err)
	require.Equal(t, before.ID, after.ID)
	require.Equal(t, before.Name, after.Name)
	require.Equal(t, before.UpdatedAt, after.UpdatedAt)
	require.True(t, before.Order.TotalPrice.Equal(after.Order.TotalPrice))
	require.Len(t, after.Order.LineItems, len(before.Order.LineItems))
	require.Equal(t, before.Order.LineItems[0].SKU, after.Order.LineItems[0].SKU)
	require.Nil(t, after.Order.Customer)
	require.Nil(t, after.Order.BillingAddress)
}

func TestRedactOrderRefusesWhatIsNotJSON(t *testing.T) {
	t.Parallel()
	_, err := record.RedactOrder(json.RawMessage(`{"id":`))
	require.Error(t, err)
	require.True(t, strings.HasPrefix(err.Error(), "read the order to redact: "), err.Error())
}
