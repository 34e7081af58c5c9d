// Package errclass groups record problems into classes, so that 31 orders failing for the
// same reason are one thing to fix, not 31. A problem's class is its feed, its severity and its
// message template: the message with what is particular to the record masked — numbers, order
// names, quoted values, codes such as SKUs, e-mail addresses — while the words that say what
// went wrong, and the rule or column the message names, are kept. Each class has a suggested
// fix (Fix), for the person who opens it.
//
// A class is for people: it groups, counts and suggests. Nothing passthrough does depends on
// it, so rewording a message only starts a new class.
package errclass

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/passthrough-dev/passthrough"
)

// MaxTemplate is the longest template kept; the start of a longer one is enough to tell
// classes apart.
const MaxTemplate = 1000

var (
	quoted = regexp.MustCompile(`"[^"]*"`)
	// A mapping's problem with an order line names the line's title: "line 2 (Merino Hoodie): ".
	lineTitle = regexp.MustCompile(`\bline ([0-9]+) \([^()]*\): `)
	email     = regexp.MustCompile(`[^\s@<>()"',;]+@[^\s@<>()"',;]+`)
	url       = regexp.MustCompile(`\b(?:https?|gid)://\S+`)
	token     = regexp.MustCompile(`[\p{L}\p{N}_.\-/#+]+`)
	number    = regexp.MustCompile(`^[-+]?[0-9][0-9.,]*$`)
	name      = regexp.MustCompile(`^#[0-9]+$`)
)

// Template masks what is particular to one record in a problem's message: quoted values
// become "…", the title of an order line a mapping names (line 2 (Merino Hoodie): ) …,
// e-mail addresses and links …, numbers N, order names #N, and codes — words with
// a digit that are not plain lower-case words, such as SKUs (TS-001, IPOD2008RED) and
// dates — X. Lower-case words keep their digits (bill_to_address1 is a column), and so the
// message still names the column or rule that failed.
func Template(msg string) string {
	t := quoted.ReplaceAllString(msg, `"…"`)
	t = lineTitle.ReplaceAllString(t, "line N (…): ")
	t = url.ReplaceAllString(t, "…")
	t = email.ReplaceAllString(t, "…")
	t = token.ReplaceAllStringFunc(t, func(w string) string {
		trimmed := strings.TrimRight(w, ".,")
		rest := w[len(trimmed):]
		switch {
		case name.MatchString(trimmed):
			return "#N" + rest
		case number.MatchString(trimmed):
			return "N" + rest
		case isCode(trimmed):
			return "X" + rest
		}
		return w
	})
	if utf8.RuneCountInString(t) > MaxTemplate {
		t = string([]rune(t)[:MaxTemplate-1]) + "…"
	}
	return t
}

// isCode reports a word with a digit that is not a plain lower-case identifier: a SKU, a
// shipment or ERP order number, a date.
func isCode(w string) bool {
	digit, upper, sep := false, false, false
	for _, r := range w {
		switch {
		case unicode.IsDigit(r):
			digit = true
		case unicode.IsUpper(r):
			upper = true
		case r == '-' || r == '/' || r == '+':
			sep = true
		}
	}
	return digit && (upper || sep)
}

// Fix is what to do about a class of problems, for the person who opens it: the fix known
// for its template, or what its severity calls for.
func Fix(feed string, sev passthrough.Severity, template string) string {
	t := strings.ToLower(template)
	for _, f := range fixes {
		if (f.feed == "" || f.feed == feed) && strings.Contains(t, f.says) {
			return f.fix
		}
	}
	switch sev {
	case passthrough.SeverityInfo:
		return "Nothing to do: a business rule keeps these records out, as it should."
	case passthrough.SeverityRetry:
		return "Nothing to do yet: the feed tries these again by itself. If they stay here for long, look at one."
	}
	return "Open a record to see the whole message. Fix the cause (the record in Shopify or the ERP, or the mapping), then Retry the class; or Resolve it with a reason if it was dealt with outside passthrough."
}

// fixes are the suggested fixes of known classes, by a phrase of their template (lower
// case), the first that matches winning.
var fixes = []struct{ feed, says, fix string }{
	{"orders", "no sku", "Give the product variants a SKU in Shopify (or map a stand-in item code in orders.yaml), then Retry the class."},
	{"orders", "not paid yet", "Nothing to do: each order is staged when it is paid."},
	{"orders", "edited in shopify after the erp imported it", "Change the orders in the ERP as Shopify changed them, then Retry them here to accept the change, or Resolve them with a reason."},
	{"orders", "cancelled in shopify after the erp imported it", "Cancel the orders in the ERP, then Resolve them here with a reason."},
	{"orders", "does not add up", "Shopify's totals do not add up for these orders (a discount or tax the mapping does not see): check one in Shopify and the mapping's money columns, then Retry the class."},
	{"", "does not fit", "A value is longer or larger than the ERP's column takes: widen the column in the ERP, or shorten the value in the mapping, then Retry the class."},
	{"", "has no column", "The mapping names a column the ERP's table lacks: correct the column name in the mapping (Mappings page) or add the column in the ERP, then Retry the class."},
	{"", "the erp refused the rows", "The ERP's table refused the rows: read the column named in the message, fix the mapping or the table, then Retry the class."},
	{"", ".yaml:", "A mapping expression failed on these records: open the mapping at the line and column given, correct it (a saved mapping maps failed orders again), or Retry the class after fixing the records."},
	{"shipments", "is not in shopify", "The shipments name an order Shopify does not have: correct web_order_id in the ERP's shipment rows, then Retry the class."},
	{"shipments", "is on hold", "Release the hold on the fulfillment orders in Shopify, then Retry the class."},
	{"shipments", "nothing of it is open", "Shopify has nothing left to fulfil on these orders (fulfilled already, or refunded): check one in Shopify, then Resolve the class with a reason."},
	{"shipments", "is not on", "The shipments name SKUs or line items the order does not have: correct the item codes in the ERP's shipment rows, then Retry the class."},
	{"shipments", "shopify refused the fulfillment", "Shopify refused the fulfillments: read Shopify's message on a record, fix the order or the shipment rows, then Retry the class."},
	{"inventory", "on no shopify variant", "The ERP stocks SKUs no Shopify variant has: give the variant the SKU in Shopify, or leave the SKU out in inventory.yaml."},
	{"inventory", "is not stocked at", "Stock the items at that location in Shopify, or map the warehouse to another location in inventory.yaml."},
	{"inventory", "does not track the stock", "Turn on inventory tracking for the variants in Shopify."},
	{"", "shopify did not answer", "Nothing to do yet: Shopify was unavailable and the feed tries again by itself."},
}
