package mapping

import (
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/record"
)

// checkBalance refuses an order whose figures do not add up to its total, to the minor unit
// of its currency: its lines (price × quantity as ordered), plus shipping (the shipping
// lines' prices, before discounts), plus tax (unless the prices include it), minus its
// discounts, plus tips and duties, as Shopify reports each, must be its total_price. An
// order that does not is a payload no ERP should book as it is: severity error, with every
// figure in the message.
func checkBalance(o *record.Order) error {
	var lines, shipping decimal.Decimal
	for _, l := range o.LineItems {
		lines = lines.Add(l.Price.Mul(decimal.NewFromInt(int64(l.Quantity))))
	}
	for _, s := range o.ShippingLines {
		if !s.IsRemoved {
			shipping = shipping.Add(s.Price)
		}
	}
	tax, duties := o.TotalTax, o.OriginalTotalDutiesSet.ShopMoney.Amount
	sum := lines.Add(shipping).Sub(o.TotalDiscounts).Add(o.TotalTipReceived).Add(duties)
	if !o.TaxesIncluded {
		sum = sum.Add(tax)
	}
	places, known := record.MinorUnits(o.Currency)
	show := func(d decimal.Decimal) string { return d.StringFixed(int32(max(places, 2))) }
	if known {
		show = func(d decimal.Decimal) string { return d.StringFixed(int32(places)) }
		if sum.Round(int32(places)).Equal(o.TotalPrice.Round(int32(places))) {
			return nil
		}
	} else if sum.Equal(o.TotalPrice) {
		return nil
	}
	taxPart := "+ tax " + show(tax)
	if o.TaxesIncluded {
		taxPart = "(tax " + show(tax) + " is in the prices)"
	}
	return &passthrough.RecordError{Severity: passthrough.SeverityError, Message: fmt.Sprintf(
		"the order does not add up: lines %s + shipping %s %s − discounts %s + tips %s + duties %s = %s, but its total is %s (%s %s apart); check it in Shopify",
		show(lines), show(shipping), taxPart, show(o.TotalDiscounts), show(o.TotalTipReceived), show(duties), show(sum),
		show(o.TotalPrice), show(sum.Sub(o.TotalPrice).Abs()), o.Currency)}
}
