package shopifytest_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
)

const variantsPage = `query Page($first: Int, $after: String, $query: String) {
  productVariants(first: $first, after: $after, query: $query) {
    nodes { id sku updatedAt inventoryItem { id tracked } product { id title } }
    pageInfo { hasNextPage endCursor }
  }
}`

// gql posts a GraphQL query to the 2026-07 API and returns the answer.
func (b *bundle) gql(t *testing.T, query string, vars map[string]any) map[string]any {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	require.NoError(t, err)
	r := b.call(t, http.MethodPost, "/admin/api/2026-07/graphql.json", string(body))
	require.Equal(t, http.StatusOK, r.status)
	return r.json(t)
}

// skus reads the SKUs of a productVariants page.
func skus(res map[string]any) []string {
	var out []string
	for _, n := range list(obj(obj(res["data"])["productVariants"])["nodes"]) {
		out = append(out, fmt.Sprint(obj(n)["sku"]))
	}
	return out
}

func TestProductVariantsPagesThroughEveryVariant(t *testing.T) {
	t.Parallel()
	b := setup(t, shopifytest.WithGenerated(shopifytest.GenOptions{SKUs: 30, Locations: 1, Seed: 3, LargeProducts: []int{150, 2000}}))
	all := b.srv.Variants()
	require.Len(t, all, 30+2+150+2000, "the SKUs, the gift cards and the two large products")

	t.Run("REST shows only the first 100 variants of a product", func(t *testing.T) {
		r := b.call(t, http.MethodGet, "/admin/api/2026-07/products.json?limit=250", "")
		counts := map[string]int{}
		for _, p := range list(r.json(t)["products"]) {
			counts[fmt.Sprint(obj(p)["title"])] = len(list(obj(p)["variants"]))
		}
		require.Equal(t, 100, counts["Colour Card 1"])
		require.Equal(t, 100, counts["Colour Card 2"])
	})
	t.Run("GraphQL shows them all, 250 a page in id order, at 3 points a variant", func(t *testing.T) {
		var got []string
		vars := map[string]any{"first": 250}
		pages := 0
		for {
			res := b.gql(t, variantsPage, vars)
			require.Nil(t, res["errors"])
			pages++
			got = append(got, skus(res)...)
			cost := obj(obj(res["extensions"])["cost"])
			require.Equal(t, int64(2+250*3), num(t, cost["requestedQueryCost"]))
			require.Equal(t, int64(2+3*len(skus(res))), num(t, cost["actualQueryCost"]), "what was not returned is not charged")
			info := obj(obj(obj(res["data"])["productVariants"])["pageInfo"])
			if info["hasNextPage"] != true {
				break
			}
			vars["after"] = info["endCursor"]
			b.clock.Advance(10 * time.Second)
		}
		require.Equal(t, (len(all)+249)/250, pages)
		want := make([]string, 0, len(all))
		for _, v := range all {
			want = append(want, v.SKU)
		}
		require.Equal(t, want, got)
		last := b.srv.Requests()[len(b.srv.Requests())-1]
		require.Equal(t, "query productVariants", last.GraphQL, "the request log names the operation and its fields")
	})
}

func TestProductVariantsFollowsShopifysRules(t *testing.T) {
	t.Parallel()
	b := setup(t, shopifytest.WithGenerated(shopifytest.GenOptions{SKUs: 20, Locations: 1, Seed: 3}))
	nodes := `{ nodes { id } }`
	cases := []struct {
		name  string
		query string
		code  string
		msg   string
	}{
		{"a page size is required", `{ productVariants ` + nodes + ` }`, "", "you must provide one of first or last"},
		{"a page holds at most 250", `{ productVariants(first: 251) ` + nodes + ` }`, "argumentLiteralsIncompatible", "must be at most 250"},
		{"a query may cost at most 1,000 points", `{ a: productVariants(first: 250) { nodes { id product { id } inventoryItem { id } } } b: productVariants(first: 250) { nodes { id product { id } inventoryItem { id } } } }`,
			"MAX_COST_EXCEEDED", "Query cost is 1504, which exceeds the single query max cost limit (1000)."},
		{"a field it does not have is refused", `{ productVariants(first: 1) { nodes { price } } }`, "undefinedField", "Field 'price' doesn't exist on type 'ProductVariant'"},
		{"a cursor it did not give is refused", `{ productVariants(first: 1, after: "abc") ` + nodes + ` }`, "", "Invalid cursor"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := b.gql(t, tc.query, nil)
			require.Nil(t, res["data"])
			e := obj(list(res["errors"])[0])
			require.Contains(t, e["message"], tc.msg)
			if tc.code != "" {
				require.Equal(t, tc.code, obj(e["extensions"])["code"])
			}
		})
	}

	t.Run("a query that finds more points than are left is THROTTLED, with its cost", func(t *testing.T) {
		b.srv.SetGraphQLLimit(800, 50)
		page := `{ productVariants(first: 250) { nodes { id product { id } inventoryItem { id } } } }`
		require.Nil(t, b.gql(t, page, nil)["errors"], "800 points are available")
		res := b.gql(t, page, nil)
		require.Equal(t, "THROTTLED", obj(obj(list(res["errors"])[0])["extensions"])["code"])
		cost := obj(obj(res["extensions"])["cost"])
		require.Equal(t, int64(752), num(t, cost["requestedQueryCost"]))
		require.Nil(t, cost["actualQueryCost"])
		require.Equal(t, int64(800-(2+3*22)), num(t, obj(cost["throttleStatus"])["currentlyAvailable"]),
			"the first query was charged 752 and given back what 228 missing variants would have cost")
	})
}

func TestProductVariantsSearch(t *testing.T) {
	t.Parallel()
	b := setup(t, shopifytest.WithoutRateLimits())
	for _, p := range []string{
		`{"title":"Mug","variants":[{"sku":"MUG-1","title":"Red","updated_at":"2026-10-01T10:00:00Z"},{"sku":"MUG-2","title":"Blue","updated_at":"2026-11-01T10:00:00Z"}]}`,
		`{"title":"Tee","variants":[{"sku":"TS-1","title":"S","updated_at":"2026-11-02T08:00:00Z"},{"sku":"","title":"M","updated_at":"2026-09-01T00:00:00Z"}]}`,
	} {
		_, err := b.srv.AddProduct([]byte(p))
		require.NoError(t, err)
	}
	cases := []struct {
		name    string
		query   string
		want    []string
		warning string
	}{
		{"sku: finds a variant whatever the case", "sku:mug-1", []string{"MUG-1"}, ""},
		{"a trailing * is a prefix", "sku:MUG*", []string{"MUG-1", "MUG-2"}, ""},
		{"updated_at:> takes a quoted time", "updated_at:>'2026-11-01T10:00:00Z'", []string{"TS-1"}, ""},
		{"updated_at:>= includes the second itself", `updated_at:>="2026-11-01T10:00:00Z"`, []string{"MUG-2", "TS-1"}, ""},
		{"terms are joined by AND unless OR says otherwise", "sku:MUG* updated_at:<'2026-10-15T00:00:00Z' OR sku:TS-1", []string{"MUG-1", "TS-1"}, ""},
		{"- and NOT leave out", "-sku:MUG-1 NOT sku:TS-1", []string{"MUG-2", "<nil>"}, ""},
		{"an unquoted time is left out, with a warning", "updated_at:>2026-11-01T10:00:00Z", []string{"MUG-1", "MUG-2", "TS-1", "<nil>"}, "date values must be quoted"},
		{"a field variants are not searched by is left out, with a warning", "colour:red", []string{"MUG-1", "MUG-2", "TS-1", "<nil>"}, "Invalid search field for this query."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := b.gql(t, variantsPage, map[string]any{"first": 10, "query": tc.query})
			require.Nil(t, res["errors"])
			require.Equal(t, tc.want, skus(res))
			searches := list(obj(res["extensions"])["search"])
			if tc.warning == "" {
				require.Empty(t, searches)
				return
			}
			require.Len(t, searches, 1)
			require.Equal(t, tc.query, obj(searches[0])["query"])
			require.Contains(t, obj(list(obj(searches[0])["warnings"])[0])["message"], tc.warning)
		})
	}
	t.Run("productVariantsCount counts what a query selects", func(t *testing.T) {
		res := b.gql(t, `{ all: productVariantsCount { count precision } mugs: productVariantsCount(query: "sku:MUG*") { count } }`, nil)
		require.Equal(t, map[string]any{"count": json.Number("4"), "precision": "EXACT"}, obj(obj(res["data"])["all"]))
		require.Equal(t, json.Number("2"), obj(obj(res["data"])["mugs"])["count"])
	})
	t.Run("an edited variant is found by its new updated_at", func(t *testing.T) {
		mug1 := b.srv.Variants()[0]
		require.NoError(t, b.srv.SetVariantSKU(mug1.ID, "MUG-1B"))
		res := b.gql(t, variantsPage, map[string]any{"first": 10, "query": "updated_at:>='2026-11-02T09:00:00Z'"})
		require.Equal(t, []string{"MUG-1B"}, skus(res))
	})
}

const runBulk = `mutation Run($q: String!) {
  bulkOperationRunQuery(query: $q) { bulkOperation { id status } userErrors { code field message } }
}`

func TestBulkQueryOfEveryVariant(t *testing.T) {
	t.Parallel()
	b := setup(t, shopifytest.WithGenerated(shopifytest.GenOptions{SKUs: 3000, Locations: 1, Seed: 5}))
	b.srv.SetBulkSpeed(500, 2*time.Second)
	bulkQuery := `{ productVariants { edges { node { id sku inventoryItem { id tracked } } } } }`

	res := b.gql(t, runBulk, map[string]any{"q": bulkQuery})
	require.Equal(t, int64(10), num(t, obj(obj(res["extensions"])["cost"])["actualQueryCost"]), "a bulk query costs what a mutation costs")
	run := obj(obj(res["data"])["bulkOperationRunQuery"])
	require.Empty(t, list(run["userErrors"]))
	op := obj(run["bulkOperation"])
	require.Equal(t, "CREATED", op["status"])
	id := op["id"].(string)

	t.Run("a second bulk query waits for the first", func(t *testing.T) {
		res := b.gql(t, runBulk, map[string]any{"q": bulkQuery})
		ue := obj(list(obj(obj(res["data"])["bulkOperationRunQuery"])["userErrors"])[0])
		require.Equal(t, "OPERATION_IN_PROGRESS", ue["code"])
	})

	poll := `query Poll($id: ID!) { bulkOperation(id: $id) { status objectCount url } }`
	b.clock.Advance(3 * time.Second)
	res = b.gql(t, poll, map[string]any{"id": id})
	status := obj(obj(res["data"])["bulkOperation"])
	require.Equal(t, "RUNNING", status["status"])
	require.Equal(t, "500", status["objectCount"], "UnsignedInt64 is a string; 500 objects a second after a 2 s start")
	require.Nil(t, status["url"])
	require.Equal(t, int64(1), num(t, obj(obj(res["extensions"])["cost"])["actualQueryCost"]), "a poll costs 1 point")

	b.clock.Advance(10 * time.Second)
	status = obj(obj(b.gql(t, poll, map[string]any{"id": id})["data"])["bulkOperation"])
	require.Equal(t, "COMPLETED", status["status"])
	require.Equal(t, fmt.Sprint(len(b.srv.Variants())), status["objectCount"])

	t.Run("currentBulkOperation is the most recent one, in every version", func(t *testing.T) {
		body, _ := json.Marshal(map[string]any{"query": `{ currentBulkOperation { id status } }`})
		r := b.call(t, http.MethodPost, "/admin/api/2025-10/graphql.json", string(body))
		require.Equal(t, id, obj(obj(r.json(t)["data"])["currentBulkOperation"])["id"])
		body, _ = json.Marshal(map[string]any{"query": poll, "variables": map[string]any{"id": id}})
		r = b.call(t, http.MethodPost, "/admin/api/2025-10/graphql.json", string(body))
		msg, _ := topError(t, r.json(t))
		require.Equal(t, "Field 'bulkOperation' doesn't exist on type 'QueryRoot'", msg, "bulkOperation(id:) came with 2026-01")
	})

	t.Run("the result is JSONL at a signed URL that wants no access token", func(t *testing.T) {
		resultURL := status["url"].(string)
		resp, err := http.Get(resultURL)
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		var got []string
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			var line struct {
				ID            string `json:"id"`
				SKU           string `json:"sku"`
				InventoryItem struct {
					ID string `json:"id"`
				} `json:"inventoryItem"`
			}
			require.NoError(t, json.Unmarshal(sc.Bytes(), &line))
			require.True(t, strings.HasPrefix(line.InventoryItem.ID, "gid://shopify/InventoryItem/"))
			got = append(got, line.SKU)
		}
		require.Len(t, got, len(b.srv.Variants()))

		bad, err := http.Get(strings.Replace(resultURL, "signature=", "signature=x", 1))
		require.NoError(t, err)
		bad.Body.Close()
		require.Equal(t, http.StatusForbidden, bad.StatusCode)
	})

	t.Run("a query on another root, or with no connection, is refused as a userError", func(t *testing.T) {
		res := b.gql(t, runBulk, map[string]any{"q": `{ shop { name } }`})
		ue := obj(list(obj(obj(res["data"])["bulkOperationRunQuery"])["userErrors"])[0])
		require.Equal(t, "INVALID", ue["code"])
	})
}

func TestAProductHasAtMost2048Variants(t *testing.T) {
	t.Parallel()
	b := setup(t, shopifytest.WithoutRateLimits())
	var vs []string
	for i := range 2049 {
		vs = append(vs, fmt.Sprintf(`{"sku":"V-%d"}`, i))
	}
	_, err := b.srv.AddProduct([]byte(`{"title":"Too many","variants":[` + strings.Join(vs, ",") + `]}`))
	require.ErrorContains(t, err, "a product has 2049 variants; Shopify allows at most 2048")
	_, err = b.srv.AddProduct([]byte(`{"title":"Enough","variants":[` + strings.Join(vs[:2048], ",") + `]}`))
	require.NoError(t, err)
	require.Len(t, b.srv.Variants(), 2048)
}
