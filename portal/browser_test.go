package portal_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/passthrough-dev/passthrough/portal/browsertest"
)

// The edits the admin makes to the shipped orders.yaml: a typo in an expression, and a
// change of the payment terms the preview shows.
const (
	breakFrom = "order_number: order.name"
	breakTo   = "order_number: order.nmae"
	fixFrom   = "payment_terms: defaults.payment_terms"
	fixTo     = `payment_terms: '"NET45"'`
	fixedTo   = "NET45"
)

func replaceOnce(t *testing.T, src, from, to string) string {
	t.Helper()
	if !strings.Contains(src, from) {
		t.Fatalf("the shipped mapping no longer contains %q; change the browser test's edits", from)
	}
	return strings.Replace(src, from, to, 1)
}

// TestBrowser drives the portal, composed from real pieces, in Chromium.
func TestBrowser(t *testing.T) {
	c := compose(t)
	browsertest.Run(t, browsertest.Target{
		Handler:     c.srv,
		Operator:    browsertest.Login{Name: "olga", Password: "olga-secret"},
		Admin:       browsertest.Login{Name: "adam", Password: "adam-secret"},
		Orders:      c.names[:5],
		OrderID:     c.paid,
		Feed:        "orders",
		Mapping:     "orders.yaml",
		Break:       func(src string) string { return replaceOnce(t, src, breakFrom, breakTo) },
		Fix:         func(src string) string { return replaceOnce(t, src, fixFrom, fixTo) },
		FixedValue:  fixedTo,
		OtherStore:  otherShop,
		OtherOrders: c.otherNames,

		Customer:      "NORMAN",
		FailedOrderID: c.failed,
		ProblemClass:  "no SKU",
		Replica:       c.another(t),
		Restart:       func() http.Handler { return c.another(t) },
	})
}
