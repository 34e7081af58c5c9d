package shopifytest_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
)

const fixtures = "../../../testdata/shopify"

// payloadKind says what a fixture holds by its shape: the simulator must load every order,
// product and location payload.
func payloadKind(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var v any
	require.NoError(t, json.Unmarshal(b, &v))
	switch x := v.(type) {
	case map[string]any:
		for _, k := range []string{"orders", "order", "products", "product", "locations", "location"} {
			if _, ok := x[k]; ok {
				return k
			}
		}
		_, lines := x["line_items"]
		_, partOfOrder := x["order_id"] // a fulfillment or refund, not an order
		if lines && !partOfOrder {
			return "bare order"
		}
	case []any:
		if len(x) > 0 {
			if _, ok := x[0].(map[string]any)["variants"]; ok {
				return "bare products"
			}
		}
	}
	return ""
}

func TestEveryFixturePayloadLoads(t *testing.T) {
	t.Parallel()
	paths, err := filepath.Glob(filepath.Join(fixtures, "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	loaded := 0
	for _, p := range paths {
		kind := payloadKind(t, p)
		if kind == "" {
			continue
		}
		loaded++
		t.Run(filepath.Base(p)+" loads", func(t *testing.T) {
			t.Parallel()
			b := setup(t, shopifytest.WithoutRateLimits())
			require.NoError(t, b.srv.LoadFile(p))
			require.NoError(t, b.srv.LoadFile(p), "loading twice replaces, never duplicates")
			switch kind {
			case "orders", "order", "bare order":
				require.NotEmpty(t, b.srv.OrderIDs())
				for _, id := range b.srv.OrderIDs() {
					r := b.call(t, http.MethodGet, "/admin/api/2026-07/orders/"+itoa(id)+".json", "")
					require.Equal(t, http.StatusOK, r.status)
				}
				r := b.call(t, http.MethodGet, "/admin/api/2026-07/orders.json?status=any&limit=250", "")
				require.Len(t, list(r.json(t)["orders"]), len(b.srv.OrderIDs()))
			case "products", "product", "bare products":
				require.NotEmpty(t, b.srv.Variants())
				res := b.gql(t, `{ productVariants(first: 250) { nodes { id sku } } }`, nil)
				require.Len(t, list(obj(obj(res["data"])["productVariants"])["nodes"]), min(250, len(b.srv.Variants())))
			case "locations", "location":
				require.NotEmpty(t, b.srv.Locations())
			}
		})
	}
	require.GreaterOrEqual(t, loaded, 15, "the fixtures hold orders, products and locations")

	t.Run("a payload of another kind is refused with a clear message", func(t *testing.T) {
		b := setup(t)
		err := b.srv.Load(strings.NewReader(`{"refunds":[]}`))
		require.ErrorContains(t, err, "not an order, product or location payload")
		require.ErrorContains(t, b.srv.Load(strings.NewReader(`[1,2]`)), "element 0")
		require.ErrorContains(t, b.srv.LoadFile(filepath.Join(fixtures, "shopify-fulfillment-integration__fulfillment_webhook.json")),
			"not an order, product or location payload", "a fulfillment has line items but is no order")
		require.ErrorContains(t, b.srv.Load(strings.NewReader(`{"orders":`)), "decode seed")
	})
	t.Run("an order keeps the exact JSON it was loaded with", func(t *testing.T) {
		b := setup(t)
		require.NoError(t, b.srv.LoadFile(filepath.Join(fixtures, "shopify-api-ruby__2026-07__order.json")))
		raw, ok := b.srv.Order(450789469)
		require.True(t, ok)
		want, err := os.ReadFile(filepath.Join(fixtures, "shopify-api-ruby__2026-07__order.json"))
		require.NoError(t, err)
		var doc map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(want, &doc))
		require.JSONEq(t, string(doc["order"]), string(raw))
	})
}

func TestGenerate(t *testing.T) {
	t.Parallel()
	until := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	opts := shopifytest.GenOptions{Orders: 400, SKUs: 30, Locations: 3, Seed: 42, Until: until}
	a := setup(t, shopifytest.WithGenerated(opts))

	t.Run("the same seed makes the same shop", func(t *testing.T) {
		b := setup(t, shopifytest.WithGenerated(opts))
		ids := a.srv.OrderIDs()
		require.Equal(t, ids, b.srv.OrderIDs())
		for _, id := range []int64{ids[0], ids[len(ids)/2], ids[len(ids)-1]} {
			ra, _ := a.srv.Order(id)
			rb, _ := b.srv.Order(id)
			require.JSONEq(t, string(ra), string(rb))
		}
	})

	var orders []map[string]any
	for _, id := range a.srv.OrderIDs() {
		raw, _ := a.srv.Order(id)
		var o map[string]any
		require.NoError(t, json.Unmarshal(raw, &o))
		orders = append(orders, o)
	}
	skus := map[string]bool{}
	for _, v := range a.srv.Variants() {
		skus[v.SKU] = true
	}
	seen := map[string]int{}
	for _, o := range orders {
		seen["financial "+o["financial_status"].(string)]++
		if o["test"] == true {
			seen["test"]++
		}
		if o["cancelled_at"] != nil {
			seen["cancelled"]++
		}
		if o["shipping_address"] == nil {
			seen["no shipping address"]++
		}
		if len(list(o["discount_codes"])) > 0 {
			seen["discount"]++
		}
		if len(list(o["tax_lines"])) > 0 {
			seen["tax"]++
		}
		if o["taxes_included"] == true {
			seen["taxes included"]++
		}
		if len(list(o["shipping_lines"])) > 0 {
			seen["shipping line"]++
		}
		if len(list(o["line_items"])) > 1 {
			seen["several lines"]++
		}
		if o["fulfillment_status"] != nil {
			seen["fulfilled "+o["fulfillment_status"].(string)]++
		}
		name := obj(o["customer"])["first_name"].(string) + obj(o["customer"])["last_name"].(string)
		if strings.ContainsFunc(name, func(r rune) bool { return r > 127 }) {
			seen["non-ASCII name"]++
		}
		for _, l := range list(o["line_items"]) {
			li := obj(l)
			require.True(t, skus[li["sku"].(string)], "order lines use the shop's SKUs")
			if li["gift_card"] == true {
				seen["gift card line"]++
			}
		}
	}
	for _, want := range []string{
		"financial paid", "financial pending", "financial authorized", "financial refunded", "financial partially_refunded",
		"financial voided", "test", "cancelled", "no shipping address", "discount", "tax", "taxes included", "shipping line",
		"several lines", "gift card line", "non-ASCII name", "fulfilled fulfilled", "fulfilled partial",
	} {
		require.Positive(t, seen[want], "the mix has %q", want)
	}

	t.Run("every tracked variant is stocked at every location", func(t *testing.T) {
		var tracked int
		for _, v := range a.srv.Variants() {
			if v.Tracked {
				tracked++
			}
		}
		require.Equal(t, 30, tracked)
		require.Len(t, a.srv.InventoryLevels(), 30*3)
	})
	t.Run("money adds up", func(t *testing.T) {
		for _, o := range orders {
			var lines int64
			for _, l := range list(o["line_items"]) {
				li := obj(l)
				lines += cents(t, li["price"]) * int64(li["quantity"].(float64))
			}
			require.Equal(t, lines, cents(t, o["total_line_items_price"]))
			total := cents(t, o["subtotal_price"]) + cents(t, obj(obj(o["total_shipping_price_set"])["shop_money"])["amount"])
			if o["taxes_included"] == false {
				total += cents(t, o["total_tax"])
			}
			require.Equal(t, total, cents(t, o["total_price"]), "order %v", o["name"])
		}
	})
}

func cents(t *testing.T, v any) int64 {
	t.Helper()
	s := v.(string)
	whole, frac, _ := strings.Cut(s, ".")
	var n int64
	for _, r := range whole + (frac + "00")[:2] {
		n = n*10 + int64(r-'0')
	}
	return n
}

func TestWebhooksAreSignedAndSent(t *testing.T) {
	t.Parallel()
	secret := []byte("hush")
	type got struct {
		header http.Header
		body   []byte
	}
	var mu sync.Mutex
	var deliveries []got
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		deliveries = append(deliveries, got{r.Header.Clone(), b})
		mu.Unlock()
	}))
	t.Cleanup(recv.Close)
	b := setup(t, shopifytest.WithWebhooks(recv.URL, secret))
	b.srv.AddLocation("Main")

	id, err := b.srv.AddOrder([]byte(`{"financial_status":"pending","line_items":[{"sku":"A","quantity":1}]}`))
	require.NoError(t, err)
	require.NoError(t, b.srv.PayOrder(id))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, b.srv.WaitWebhooks(ctx))

	mu.Lock()
	defer mu.Unlock()
	var topics []string
	for _, d := range deliveries {
		topics = append(topics, d.header.Get("X-Shopify-Topic"))
		mac := hmac.New(sha256.New, secret)
		mac.Write(d.body)
		require.Equal(t, base64.StdEncoding.EncodeToString(mac.Sum(nil)), d.header.Get("X-Shopify-Hmac-Sha256"))
		require.Equal(t, "passthrough-test.myshopify.com", d.header.Get("X-Shopify-Shop-Domain"))
		require.NotEmpty(t, d.header.Get("X-Shopify-Webhook-Id"))
		require.NotEmpty(t, d.header.Get("X-Shopify-Event-Id"))
		require.NotEmpty(t, d.header.Get("X-Shopify-API-Version"))
		_, err := time.Parse(time.RFC3339Nano, d.header.Get("X-Shopify-Triggered-At"))
		require.NoError(t, err)
		require.True(t, bytes.Contains(d.body, []byte(`"id":`+itoa(id))))
	}
	require.Equal(t, []string{"orders/create", "orders/paid", "orders/updated"}, topics)
	for _, d := range b.srv.Webhooks() {
		require.Equal(t, http.StatusOK, d.Status)
	}
}

func TestGenerateOrdersAddsBusinessToAShop(t *testing.T) {
	t.Parallel()
	b := setup(t, shopifytest.WithoutRateLimits())
	_, err := b.srv.GenerateOrders(3, 1)
	require.ErrorContains(t, err, "the shop has no SKUs to sell")

	require.NoError(t, b.srv.LoadFile(filepath.Join(fixtures, "shopify-api-ruby__2026-07__products.json")))
	require.NoError(t, b.srv.LoadFile(filepath.Join(fixtures, "shopify-api-ruby__2026-07__locations.json")))
	before := b.srv.OrderIDs()
	b.clock.Advance(time.Hour)
	ids, err := b.srv.GenerateOrders(5, 2)
	require.NoError(t, err)
	require.Len(t, ids, 5)
	require.Len(t, b.srv.OrderIDs(), len(before)+5)
	skus := map[string]bool{}
	for _, v := range b.srv.Variants() {
		skus[v.SKU] = true
	}
	for _, id := range ids {
		raw, ok := b.srv.Order(id)
		require.True(t, ok)
		var o struct {
			CreatedAt time.Time `json:"created_at"`
			LineItems []struct {
				SKU string `json:"sku"`
			} `json:"line_items"`
		}
		require.NoError(t, json.Unmarshal(raw, &o))
		require.True(t, o.CreatedAt.Equal(b.clock.Now()), "created now")
		for _, l := range o.LineItems {
			require.True(t, skus[l.SKU], "over the shop's own SKUs")
		}
	}
}
