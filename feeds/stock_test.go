package feeds

import (
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/mapping"
)

// The shop of the stock arithmetic's tests has two locations. Its warehouses WH1 and WH2
// both map to Main, EAST to East; any other warehouse maps to no location.
const (
	main int64 = 1
	east int64 = 2
)

var warehouses = map[string]int64{"WH1": main, "WH2": main, "EAST": east}

func locate(_, warehouse string) (int64, bool) {
	loc, ok := warehouses[warehouse]
	return loc, ok
}

// stockRow is a row of the ERP's stock as inventory.yaml maps it: SKU, warehouse, units.
type stockRow struct {
	sku, warehouse string
	units          int64
}

// line is a line of a staged order the ERP has not imported; warehouse "" names none.
func line(sku, warehouse, quantity string) erp.CommittedLine {
	return erp.CommittedLine{SKU: sku, Warehouse: warehouse, Quantity: decimal.RequireFromString(quantity)}
}

var (
	giftSet = map[string][]mapping.KitComponent{"GIFT-SET": {{SKU: "MUG-002", Quantity: 2}, {SKU: "TS-001", Quantity: 1}}}
	picnic  = map[string][]mapping.KitComponent{"PICNIC": {{SKU: "CUP", Quantity: 4}, {SKU: "PLATE", Quantity: 4}}}
	twoKits = map[string][]mapping.KitComponent{"GIFT-SET": giftSet["GIFT-SET"], "PICNIC": picnic["PICNIC"]}
)

func TestStockArithmetic(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		kits       map[string][]mapping.KitComponent // bundles are always packs by the -X suffix
		rows       []stockRow
		refused    []string
		lines      []erp.CommittedLine
		defaultLoc int64
		variants   []string // SKUs on Shopify variants
		want       stockUnits
		emptyKits  []string
	}{
		// Sums.
		{
			name: "several warehouses that map to one location add up",
			rows: []stockRow{{"TS-001", "WH1", 12}, {"TS-001", "WH2", 3}, {"TS-001", "EAST", 7}},
			want: stockUnits{"TS-001": {main: 15, east: 7}},
		},
		{
			name: "a negative row takes off from the other warehouses of its location, and the sum is never below 0",
			rows: []stockRow{{"TS-001", "WH1", 2}, {"TS-001", "WH2", -5}, {"MUG-002", "WH1", 4}, {"MUG-002", "WH2", -1}},
			want: stockUnits{"TS-001": {main: 0}, "MUG-002": {main: 3}},
		},

		// Committed units and where they are taken from.
		{
			name:  "a line takes its units from the location its warehouse maps to",
			rows:  []stockRow{{"TS-001", "WH1", 10}, {"TS-001", "EAST", 10}},
			lines: []erp.CommittedLine{line("TS-001", "EAST", "3"), line("TS-001", "WH2", "1")},
			want:  stockUnits{"TS-001": {main: 9, east: 7}},
		},
		{
			name:       "a line without a warehouse takes its units from the default location",
			rows:       []stockRow{{"TS-001", "WH1", 10}, {"TS-001", "EAST", 10}},
			lines:      []erp.CommittedLine{line("TS-001", "", "2")},
			defaultLoc: east,
			want:       stockUnits{"TS-001": {main: 10, east: 8}},
		},
		{
			name:       "a line whose warehouse maps to no location takes its units from the default location",
			rows:       []stockRow{{"TS-001", "WH1", 10}, {"TS-001", "EAST", 10}},
			lines:      []erp.CommittedLine{line("TS-001", "000", "2")},
			defaultLoc: east,
			want:       stockUnits{"TS-001": {main: 10, east: 8}},
		},
		{
			name:  "without a default location a line takes its units where the SKU has the most stock",
			rows:  []stockRow{{"TS-001", "WH1", 4}, {"TS-001", "EAST", 9}, {"MUG-002", "WH1", 6}, {"MUG-002", "EAST", 1}},
			lines: []erp.CommittedLine{line("TS-001", "", "2"), line("MUG-002", "000", "5")},
			want:  stockUnits{"TS-001": {main: 4, east: 7}, "MUG-002": {main: 1, east: 1}},
		},
		{
			name:  "of two locations with the most stock a line takes from the one with the lower id",
			rows:  []stockRow{{"TS-001", "WH1", 5}, {"TS-001", "EAST", 5}},
			lines: []erp.CommittedLine{line("TS-001", "", "1")},
			want:  stockUnits{"TS-001": {main: 4, east: 5}},
		},
		{
			name:  "committed units larger than the stock leave 0, never less",
			rows:  []stockRow{{"TS-001", "WH1", 3}, {"TS-001", "EAST", 4}},
			lines: []erp.CommittedLine{line("TS-001", "WH1", "5"), line("TS-001", "EAST", "1")},
			want:  stockUnits{"TS-001": {main: 0, east: 3}},
		},
		{
			name:  "committed units at a location where the SKU has no stock take nothing off elsewhere",
			rows:  []stockRow{{"TS-001", "WH1", 5}},
			lines: []erp.CommittedLine{line("TS-001", "EAST", "2")},
			want:  stockUnits{"TS-001": {main: 5}},
		},
		{
			name:  "a part of a unit counts as a whole one and a line of no units takes nothing",
			rows:  []stockRow{{"TS-001", "WH1", 5}, {"MUG-002", "WH1", 5}},
			lines: []erp.CommittedLine{line("TS-001", "WH1", "1.5"), line("MUG-002", "WH1", "0"), line("MUG-002", "WH1", "-2")},
			want:  stockUnits{"TS-001": {main: 3}, "MUG-002": {main: 5}},
		},
		{
			name:       "a line of a SKU the ERP does not stock changes nothing and gives no level",
			rows:       []stockRow{{"TS-001", "WH1", 5}},
			lines:      []erp.CommittedLine{line("OTHER-1", "", "3"), line("OTHER-2", "EAST", "1")},
			defaultLoc: main,
			want:       stockUnits{"TS-001": {main: 5}},
		},
		{
			name:     "a bundle's line takes its pack size of the base SKU",
			rows:     []stockRow{{"TS-001", "WH1", 10}},
			lines:    []erp.CommittedLine{line("TS-001-X3", "WH1", "1")},
			variants: []string{"TS-001", "TS-001-X3"},
			want:     stockUnits{"TS-001": {main: 7}, "TS-001-X3": {main: 2}},
		},
		{
			name:     "a line of a bundle SKU the ERP stocks itself takes from that SKU, not from its base",
			rows:     []stockRow{{"TS-001", "WH1", 10}, {"TS-001-X3", "WH1", 4}},
			lines:    []erp.CommittedLine{line("TS-001-X3", "WH1", "1")},
			variants: []string{"TS-001", "TS-001-X3"},
			want:     stockUnits{"TS-001": {main: 10}, "TS-001-X3": {main: 3}},
		},
		{
			name:  "a kit's line takes each component times its quantity in the kit",
			kits:  giftSet,
			rows:  []stockRow{{"TS-001", "WH1", 5}, {"TS-001", "EAST", 6}, {"MUG-002", "WH1", 10}, {"MUG-002", "EAST", 9}},
			lines: []erp.CommittedLine{line("GIFT-SET", "EAST", "2")},
			want: stockUnits{
				"TS-001": {main: 5, east: 4}, "MUG-002": {main: 10, east: 5},
				"GIFT-SET": {main: 5, east: 2},
			},
		},

		// Bundles.
		{
			name:     "a bundle is its base's stock divided by the pack size, rounded down",
			rows:     []stockRow{{"TS-001", "WH1", 10}, {"TS-001", "EAST", 2}},
			variants: []string{"TS-001", "TS-001-X3", "TS-001-X12"},
			want:     stockUnits{"TS-001": {main: 10, east: 2}, "TS-001-X3": {main: 3, east: 0}, "TS-001-X12": {main: 0, east: 0}},
		},
		{
			name:     "a bundle SKU the ERP stocks itself keeps its own stock",
			rows:     []stockRow{{"TS-001", "WH1", 10}, {"TS-001-X3", "WH1", 7}},
			variants: []string{"TS-001", "TS-001-X3"},
			want:     stockUnits{"TS-001": {main: 10}, "TS-001-X3": {main: 7}},
		},
		{
			name:     "a bundle whose base the ERP does not stock gets no level",
			rows:     []stockRow{{"TS-001", "WH1", 10}},
			variants: []string{"TS-001", "MUG-002-X2"},
			want:     stockUnits{"TS-001": {main: 10}},
		},
		{
			name: "a bundle on no Shopify variant gets no level",
			rows: []stockRow{{"TS-001", "WH1", 10}},
			want: stockUnits{"TS-001": {main: 10}},
		},

		// Kits.
		{
			name: "a kit is as many as its scarcest component allows",
			kits: giftSet,
			rows: []stockRow{{"TS-001", "WH1", 5}, {"MUG-002", "WH1", 7}},
			want: stockUnits{"TS-001": {main: 5}, "MUG-002": {main: 7}, "GIFT-SET": {main: 3}},
		},
		{
			name: "a kit has none where one of its components has no stock",
			kits: giftSet,
			rows: []stockRow{{"TS-001", "WH1", 5}, {"TS-001", "EAST", 4}, {"MUG-002", "WH1", 7}},
			want: stockUnits{"TS-001": {main: 5, east: 4}, "MUG-002": {main: 7}, "GIFT-SET": {main: 3, east: 0}},
		},
		{
			name: "a kit whose component the ERP does not stock at all has none",
			kits: picnic,
			rows: []stockRow{{"PLATE", "WH1", 8}},
			want: stockUnits{"PLATE": {main: 8}, "PICNIC": {main: 0}},
		},
		{
			name:      "a kit none of whose components the ERP stocks is listed and gets no level",
			kits:      twoKits,
			rows:      []stockRow{{"TS-001", "WH1", 3}},
			want:      stockUnits{"TS-001": {main: 3}, "GIFT-SET": {main: 0}},
			emptyKits: []string{"PICNIC"},
		},
		{
			name: "a kit the ERP stocks itself is still made from its components",
			kits: giftSet,
			rows: []stockRow{{"GIFT-SET", "WH1", 50}, {"TS-001", "WH1", 2}, {"MUG-002", "WH1", 4}},
			want: stockUnits{"TS-001": {main: 2}, "MUG-002": {main: 4}, "GIFT-SET": {main: 2}},
		},
		{
			name:      "a kit the ERP stocks itself but none of whose components it stocks gets no level",
			kits:      giftSet,
			rows:      []stockRow{{"GIFT-SET", "WH1", 50}},
			want:      stockUnits{},
			emptyKits: []string{"GIFT-SET"},
		},
		{
			name:     "a SKU with a refused row gets no level, nor do the kits and bundles made of it",
			kits:     giftSet,
			rows:     []stockRow{{"TS-001", "WH1", 5}, {"MUG-002", "WH1", 4}},
			refused:  []string{"TS-001"},
			variants: []string{"TS-001", "TS-001-X3", "MUG-002", "GIFT-SET"},
			want:     stockUnits{"MUG-002": {main: 4}},
		},

		// How the rules work together.
		{
			name:       "committed units are taken off before bundles and kits are made",
			kits:       giftSet,
			rows:       []stockRow{{"TS-001", "WH1", 9}, {"MUG-002", "WH1", 10}},
			lines:      []erp.CommittedLine{line("TS-001", "", "4")},
			defaultLoc: main,
			variants:   []string{"TS-001", "TS-001-X3", "MUG-002", "GIFT-SET"},
			want:       stockUnits{"TS-001": {main: 5}, "TS-001-X3": {main: 1}, "MUG-002": {main: 10}, "GIFT-SET": {main: 5}},
		},
		{
			name:     "a kit's line lowers the kit, its components and their bundles",
			kits:     giftSet,
			rows:     []stockRow{{"TS-001", "WH1", 9}, {"MUG-002", "WH1", 10}},
			lines:    []erp.CommittedLine{line("GIFT-SET", "WH2", "1")},
			variants: []string{"TS-001", "TS-001-X3", "MUG-002", "GIFT-SET"},
			want:     stockUnits{"TS-001": {main: 8}, "TS-001-X3": {main: 2}, "MUG-002": {main: 8}, "GIFT-SET": {main: 4}},
		},
		{
			name:     "a bundle sold beyond its base's stock leaves both at 0",
			rows:     []stockRow{{"TS-001", "WH1", 2}},
			lines:    []erp.CommittedLine{line("TS-001-X3", "WH1", "1")},
			variants: []string{"TS-001", "TS-001-X3"},
			want:     stockUnits{"TS-001": {main: 0}, "TS-001-X3": {main: 0}},
		},
		{
			name:     "several warehouses, a default location and the most stock each place the units of one order",
			kits:     giftSet,
			rows:     []stockRow{{"TS-001", "WH1", 6}, {"TS-001", "WH2", 6}, {"TS-001", "EAST", 8}, {"MUG-002", "WH1", 3}, {"MUG-002", "EAST", 9}},
			lines:    []erp.CommittedLine{line("TS-001", "WH2", "2"), line("GIFT-SET", "", "1"), line("TS-001-X3", "000", "1")},
			variants: []string{"TS-001", "TS-001-X3", "MUG-002", "GIFT-SET"},
			// No default location: the kit's T-shirt and the pack's three come from Main, which
			// has the most T-shirts (12); the kit's two mugs from East, which has the most mugs.
			want: stockUnits{
				"TS-001":    {main: 12 - 2 - 1 - 3, east: 8},
				"TS-001-X3": {main: 2, east: 2},
				"MUG-002":   {main: 3, east: 7},
				"GIFT-SET":  {main: 1, east: 3},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			onHand := stockUnits{}
			for _, r := range tt.rows {
				loc, ok := locate(r.sku, r.warehouse)
				require.True(t, ok, "row %v", r)
				onHand.add(r.sku, loc, r.units)
			}
			refused := map[string]bool{}
			for _, sku := range tt.refused {
				refused[sku] = true
			}
			rules := &mapping.Inventory{Bundles: mapping.BundleRule{Suffix: "-X"}, Kits: tt.kits}
			got, emptyKits := wantedStock(stockInput{
				rules: rules, onHand: onHand, refused: refused,
				committed: tt.lines, locate: locate, defaultLocation: tt.defaultLoc,
				variants: tt.variants,
			})
			require.Equal(t, tt.want, got)
			require.Equal(t, tt.emptyKits, emptyKits)
		})
	}
}
