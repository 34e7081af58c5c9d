package erp

import "github.com/passthrough-dev/passthrough"

// OrderStagedGetParams names one order and the tables a mapping stages it in.
type OrderStagedGetParams struct {
	Header passthrough.Table // the header table; its rows are found by ColShop and ColWebOrderID
	// Lines is the lines table (found by the same two columns, ordered by its key); empty
	// when the mapping stages no lines.
	Lines   passthrough.Table
	Shop    string
	OrderID int64
}
