package feeds

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/passthrough-dev/passthrough/record"
)

// orderPrint is what the ERP was given of an order, in parts, so that a new version of the
// order can be compared with it: what Shopify sent of its lines, its addresses and its totals,
// and the version of the mapping that made the rows. The ledger keeps it (Entry.PayloadHash).
// (The rows themselves are no measure: refunds change them, and a refund after staging goes
// to the ERP as a refund.)
//
// The Shopify parts leave out what changes without the order changing for the ERP: refunds
// (they reach the ERP as refunds), fulfillment (our own shipments move updated_at), tags and
// notes. A line's quantity there is what is left once refunds are added back, so a refund
// alone is not an edit, while an order edit that takes units away is.
type orderPrint struct {
	lines, addresses, totals string // from the payload
	mapping                  string // the orders mapping's Version
}

const printVersion = "v2"

func (p orderPrint) String() string {
	return fmt.Sprintf("%s l=%s a=%s t=%s m=%s", printVersion, p.lines, p.addresses, p.totals, p.mapping)
}

// parsePrint reads a stored print; false for an entry written before prints had parts (a
// hash of the rows alone), or none.
func parsePrint(s string) (orderPrint, bool) {
	var p orderPrint
	var v string
	n, err := fmt.Sscanf(s, "%s l=%s a=%s t=%s m=%s", &v, &p.lines, &p.addresses, &p.totals, &p.mapping)
	if err != nil || n != 5 || v != printVersion {
		return orderPrint{}, false
	}
	return p, true
}

// sameOrder reports whether two prints are of the same order as Shopify sent it.
func (p orderPrint) sameOrder(q orderPrint) bool {
	return p.lines == q.lines && p.addresses == q.addresses && p.totals == q.totals
}

// changes names the parts of the order that differ between p and q, for people.
func (p orderPrint) changes(q orderPrint) string {
	var parts []string
	if p.lines != q.lines {
		parts = append(parts, "its lines")
	}
	if p.addresses != q.addresses {
		parts = append(parts, "its addresses")
	}
	if p.totals != q.totals {
		parts = append(parts, "its totals")
	}
	switch len(parts) {
	case 0:
		return "nothing the ERP was given"
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// printOf fingerprints what Shopify sent of an order, and the mapping version that maps it.
func printOf(o *record.Order, mappingVersion string) orderPrint {
	refunded := map[int64]int{}
	for _, r := range o.Refunds {
		for _, li := range r.RefundLineItems {
			refunded[li.LineItemID] += li.Quantity
		}
	}
	var p orderPrint
	p.lines = short(func(h hash.Hash) {
		for _, l := range o.LineItems {
			fmt.Fprintf(h, "%d|%d|%s|%d|%d|%s|%s|%s|%t|%t\n", l.ID, l.VariantID, l.SKU, l.Quantity,
				l.CurrentQuantity+refunded[l.ID], dec(l.Price), dec(sumAllocations(l.DiscountAllocations)),
				dec(sumTax(l.TaxLines)), l.RequiresShipping, l.GiftCard)
		}
		for _, s := range o.ShippingLines {
			fmt.Fprintf(h, "ship|%s|%s|%s|%t\n", s.Title, s.Code, dec(s.Price), s.IsRemoved)
		}
	})
	p.addresses = short(func(h hash.Hash) {
		for _, a := range []*record.Address{o.BillingAddress, o.ShippingAddress} {
			if a == nil {
				fmt.Fprint(h, "-\n")
				continue
			}
			fmt.Fprintf(h, "%s|%s|%s|%s|%s|%s|%s|%s|%s\n", a.Name, a.Company, a.Address1, a.Address2, a.City,
				a.ProvinceCode, a.Zip, a.CountryCode, a.Phone)
		}
		fmt.Fprintf(h, "%s|%s\n", o.Email, o.ContactEmail)
	})
	p.totals = short(func(h hash.Hash) {
		fmt.Fprintf(h, "%s|%s|%s|%s|%s|%s|%t", o.Currency, dec(o.TotalPrice), dec(o.SubtotalPrice), dec(o.TotalTax),
			dec(o.TotalDiscounts), dec(o.TotalTipReceived), o.TaxesIncluded)
	})
	p.mapping = mappingVersion
	if p.mapping == "" {
		p.mapping = "-"
	}
	return p
}

// short is the first 16 hex digits of a SHA-256 of what write writes: enough to tell
// versions of one order apart, and the whole print fits the ledger's column.
func short(write func(h hash.Hash)) string {
	h := sha256.New()
	write(h)
	return hex.EncodeToString(h.Sum(nil))[:16]
}

func dec(d decimal.Decimal) string { return d.String() }

func sumAllocations(as []*record.DiscountAllocation) decimal.Decimal {
	var s decimal.Decimal
	for _, a := range as {
		s = s.Add(a.Amount)
	}
	return s
}

func sumTax(ts []*record.TaxLine) decimal.Decimal {
	var s decimal.Decimal
	for _, t := range ts {
		s = s.Add(t.Price)
	}
	return s
}
