package mapping_test

import (
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/mapping"
	"github.com/passthrough-dev/passthrough/record"
)

func TestInventoryNamesTheDefaultLocationOfCommittedUnits(t *testing.T) {
	t.Parallel()
	load := func(committed string) (*mapping.Set, error) {
		return mapping.Load(fstest.MapFS{"inventory.yaml": {Data: []byte(`
level:
  location: stock.warehouse_code
  quantity: units(stock.qty_available)
` + committed)}})
	}
	for _, tc := range []struct {
		name, committed, want string
	}{
		{"a location name is kept as written", "committed:\n  default_location: \"Main Warehouse\"\n", "Main Warehouse"},
		{"a location id is kept as text", "committed:\n  default_location: 655441491\n", "655441491"},
		{"without the block the feed chooses", "", ""},
		{"an empty block says nothing", "committed: {}\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set, err := load(tc.committed)
			require.NoError(t, err)
			require.Equal(t, tc.want, set.Inventory.DefaultLocation)
		})
	}

	t.Run("a misspelt field is reported with its place", func(t *testing.T) {
		_, err := load("committed:\n  default_locaton: Main\n")
		require.EqualError(t, err, "inventory.yaml:6:3: unknown field \"default_locaton\" in committed\n"+
			" 6 |   default_locaton: Main\n"+
			"   |   ^\n"+
			"   = expected: did you mean default_location?")
	})
	t.Run("a list is not a location", func(t *testing.T) {
		_, err := load("committed:\n  default_location: [A, B]\n")
		require.ErrorContains(t, err, "default_location must be a single value")
	})
}

func TestTheShippedInventoryMappingCompilesWithItsCommittedBlock(t *testing.T) {
	t.Parallel()
	set, err := mapping.LoadDir("../mappings")
	require.NoError(t, err)
	require.Equal(t, "", set.Inventory.DefaultLocation, "the shipped file leaves the choice to the feed")
	require.Equal(t, "-X", set.Inventory.Bundles.Suffix)
}

func TestAShipmentItemCarriesTheLineItemItNames(t *testing.T) {
	t.Parallel()
	sh, err := record.DecodeShipment([]byte(`{"id":"SH-1","order_id":450789469,"tracking_number":"1Z","items":[
		{"line_no":1,"sku":"IPOD2008GREEN","quantity":1,"line_item_id":466157049},
		{"line_no":2,"sku":"IPOD2008RED","quantity":2}]}`))
	require.NoError(t, err)
	require.Equal(t, []record.ShipmentItem{
		{LineNo: 1, SKU: "IPOD2008GREEN", Quantity: 1, LineItemID: 466157049},
		{LineNo: 2, SKU: "IPOD2008RED", Quantity: 2},
	}, sh.Items)

	set, err := mapping.LoadDir("../mappings")
	require.NoError(t, err)
	res, err := mapping.Load(fstest.MapFS{"shipments.yaml": {Data: []byte(`
fulfillment:
  tracking_number: shipment.tracking_number
  tracking_url: '"line " + string(first(shipment.items).line_item_id)'
`)}})
	require.NoError(t, err)
	out, err := res.Shipments.Map(mapping.ShipmentInput{Shipment: *sh})
	require.NoError(t, err)
	require.Equal(t, "line 466157049", out.TrackingURL, "expressions can read it")
	_, err = set.Shipments.Map(mapping.ShipmentInput{Shipment: *sh})
	require.NoError(t, err)
}
