package errclass_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/errclass"
)

func TestTemplate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, msg, want string
	}{
		{"a mapping's fail() keeps its words and the column, and masks the position",
			`lines[2].item_code (orders.yaml:120:15): no SKU: the ERP needs an item code on every line`,
			`lines[N].item_code (orders.yaml:N:N): no SKU: the ERP needs an item code on every line`},
		{"an order line's title is masked, its rule's words are not",
			`line 2 (Merino Hoodie): no SKU: the ERP needs an item code on every line`,
			`line N (…): no SKU: the ERP needs an item code on every line`},
		{"a value that does not fit keeps the column and masks the numbers",
			`s_order_details.quantity: 1099511627776 does not fit: the column holds whole numbers from -2147483648 to 2147483647`,
			`s_order_details.quantity: N does not fit: the column holds whole numbers from N to N`},
		{"columns with a digit in their name are kept",
			`s_orders.bill_to_address1: too long (300 characters, the column takes 255)`,
			`s_orders.bill_to_address1: too long (N characters, the column takes N)`},
		{"SKUs, order names and shipment ids are masked",
			`SKU IPOD2008RED (line 3) is not on #1001`,
			`SKU X (line N) is not on #N`},
		{"codes with hyphens are masked, plain words are not",
			`order 450789469 is not in Shopify; check the shipment's web_order_id (SH-10023)`,
			`order N is not in Shopify; check the shipment's web_order_id (X)`},
		{"quoted values, e-mail addresses and links are masked",
			`unknown customer "Bob Norman" <bob@example.com> at https://acme.myshopify.com/admin/orders/1`,
			`unknown customer "…" <…> at …`},
		{"a sentence's full stop stays",
			`edited in Shopify after the ERP imported it as SO-1002.`,
			`edited in Shopify after the ERP imported it as X.`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, errclass.Template(tc.msg))
		})
	}

	t.Run("two records failing for the same reason share a template", func(t *testing.T) {
		t.Parallel()
		require.Equal(t,
			errclass.Template(`edited in Shopify after the ERP imported it as SO-1002: its lines changed; change the order in the ERP, then Retry it here`),
			errclass.Template(`edited in Shopify after the ERP imported it as SO-77: its lines changed; change the order in the ERP, then Retry it here`))
		require.NotEqual(t,
			errclass.Template(`s_orders.comment: too long (4100 characters, the column takes 4000)`),
			errclass.Template(`s_orders.ship_via: too long (120 characters, the column takes 100)`), "another column is another class")
	})

	t.Run("a long message is cut", func(t *testing.T) {
		t.Parallel()
		got := errclass.Template(strings.Repeat("ä", 3000))
		require.Equal(t, errclass.MaxTemplate, len([]rune(got)))
		require.True(t, strings.HasSuffix(got, "…"))
	})
}

func TestFix(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		feed     string
		sev      passthrough.Severity
		template string
		says     string
	}{
		{"a line without SKU", "orders", passthrough.SeverityError, "lines[N].item_code (orders.yaml:N:N): no SKU: the ERP needs an item code on every line", "SKU in Shopify"},
		{"an order not paid", "orders", passthrough.SeverityRetry, "not paid yet: financial status is pending", "when it is paid"},
		{"a value too long, on any feed", "orders", passthrough.SeverityError, "s_orders.comment: too long; does not fit", "widen the column"},
		{"a shipment of an unknown order", "shipments", passthrough.SeverityError, "order N is not in Shopify; check the shipment's web_order_id", "correct web_order_id"},
		{"an unknown error", "orders", passthrough.SeverityError, "something new", "Retry the class"},
		{"an unknown retry", "shipments", passthrough.SeverityRetry, "something passing", "tries these again by itself"},
		{"an unknown info", "orders", passthrough.SeverityInfo, "a test order", "Nothing to do"},
	} {
		t.Run(tc.name+" has a fix that says what to do", func(t *testing.T) {
			t.Parallel()
			require.Contains(t, errclass.Fix(tc.feed, tc.sev, tc.template), tc.says)
		})
	}
}
