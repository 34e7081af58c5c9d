package record

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// Stock is one row of the ERP's stock table (product_qty_in_stock): what the store reads and
// the inventory mapping sees.
type Stock struct {
	ItemCode      string          `json:"item_code" expr:"item_code"`
	WarehouseCode string          `json:"warehouse_code" expr:"warehouse_code"`
	QtyOnHand     decimal.Decimal `json:"qty_on_hand" expr:"qty_on_hand"`
	QtyCommitted  decimal.Decimal `json:"qty_committed" expr:"qty_committed"`
	QtyAvailable  decimal.Decimal `json:"qty_available" expr:"qty_available"`
	UpdatedAt     time.Time       `json:"updated_at" expr:"updated_at"`
}

// DecodeStock reads one stock row from JSON: {"item_code": …, "warehouse_code": …, …}, as a
// mapping test or a preview gives it.
func DecodeStock(raw []byte) (*Stock, error) {
	var st Stock
	if err := decodeJSON(raw, &st); err != nil {
		return nil, fmt.Errorf("decode stock: %w", err)
	}
	return &st, nil
}
