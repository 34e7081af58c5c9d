package shopify_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/shopify"
	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
)

// want is the catalog's view of a simulator variant.
func want(v shopifytest.Variant) shopify.Variant {
	return shopify.Variant{
		SKU: v.SKU, VariantID: v.ID, ProductID: v.ProductID, InventoryItemID: v.InventoryItemID,
		ProductTitle: v.ProductTitle, VariantTitle: v.Title, InventoryTracked: v.Tracked, UpdatedAt: v.UpdatedAt,
	}
}

// requireWhole checks that cat holds every variant of the simulator, as it is there.
func requireWhole(t *testing.T, srv *shopifytest.Server, cat *shopify.Catalog) {
	t.Helper()
	require.Empty(t, cat.Problems)
	require.Empty(t, cat.Duplicates())
	require.Equal(t, len(srv.Variants()), cat.Len())
	for _, v := range srv.Variants() {
		got, err := cat.Lookup(v.SKU)
		require.NoError(t, err)
		require.Equal(t, want(v), got)
	}
}

// restProductReads counts the requests for REST products.
func restProductReads(srv *shopifytest.Server) int {
	n := 0
	for _, r := range srv.Requests() {
		if strings.Contains(r.Path, "/products") {
			n++
		}
	}
	return n
}

func TestCatalogReadsEveryVariantOfEveryProduct(t *testing.T) {
	t.Parallel()
	gen := shopifytest.GenOptions{SKUs: 700, Locations: 2, Seed: 21, LargeProducts: []int{150, 2000}}
	for _, tc := range []struct {
		name     string
		bulkFrom int
		calls    func(int) int // GraphQL calls for so many variants
	}{
		{"page by page, 250 variants a page", -1, func(n int) int { return (n + 249) / 250 }},
		{"in one bulk operation", 1000, func(int) int { return -1 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, func(c *shopify.Config) { c.CatalogBulkFrom = tc.bulkFrom }, shopifytest.WithGenerated(gen))
			cat, err := b.client.Catalog(context.Background())
			require.NoError(t, err)
			requireWhole(t, b.srv, cat)
			for _, big := range []struct {
				sku   string
				count int
			}{{"CCD-01-0150", 150}, {"CCD-02-2000", 2000}} {
				v, err := cat.Lookup(big.sku)
				require.NoError(t, err, "the last of %d variants of one product", big.count)
				require.Equal(t, fmt.Sprintf("Shade %04d", big.count), v.VariantTitle)
			}
			require.Zero(t, restProductReads(b.srv), "REST products.json is not used")
			gql := b.client.Stats()["POST graphql"]
			require.Zero(t, gql.Throttled, "paced within the budget")
			if n := tc.calls(len(b.srv.Variants())); n > 0 {
				require.EqualValues(t, n, gql.Calls, "250 variants a call")
				require.InDelta(t, 3*len(b.srv.Variants())+2*n, gql.Points, 0, "3 points a variant and 2 a page")
			} else {
				require.Less(t, gql.Points, 50.0, "a bulk operation costs a few points whatever its size")
				require.Contains(t, b.sent.withoutToken(), "/bulk-results/"+bulkID(t, b.srv)+".jsonl", "the result is read without the access token")
				require.NotContains(t, b.logs.String(), "signature=", "the signed URL is never logged")
			}
		})
	}
}

// graphQLData is the data member of a GraphQL answer.
func graphQLData(t *testing.T, raw []byte) json.RawMessage {
	t.Helper()
	var ans struct {
		Data json.RawMessage `json:"data"`
	}
	require.NoError(t, json.Unmarshal(raw, &ans), string(raw))
	return ans.Data
}

// bulkID is the id of the simulator's one bulk result, from its request log.
func bulkID(t *testing.T, srv *shopifytest.Server) string {
	t.Helper()
	for _, r := range srv.Requests() {
		if id, ok := strings.CutPrefix(r.Path, "/bulk-results/"); ok {
			return strings.TrimSuffix(id, ".jsonl")
		}
	}
	t.Fatal("no bulk result was read")
	return ""
}

func TestCatalogLookups(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, shopifytest.WithoutRateLimits())
	for _, p := range []string{
		`{"title":"Mug","variants":[{"sku":"MUG-1","title":"Red"},{"sku":" MUG-2 ","title":"Blue"},{"sku":"","title":"Plain"}]}`,
		`{"title":"Mug (copy)","variants":[{"sku":"MUG-1","title":"Red"}]}`,
		`{"title":"Gift card","variants":[{"sku":"GIFT","inventory_management":null}]}`,
		`{"title":"Tee","variants":[{"sku":"TS-1","title":"S"}]}`,
		`{"title":"Tee (old)","variants":[{"sku":"ts-1 ","title":"S"},{"title":"M"}]}`,
	} {
		_, err := b.srv.AddProduct([]byte(p))
		require.NoError(t, err)
	}
	cat, err := b.client.Catalog(context.Background())
	require.NoError(t, err)

	t.Run("a SKU two variants share is reported with both, never guessed", func(t *testing.T) {
		_, err := cat.Lookup("MUG-1")
		require.ErrorIs(t, err, shopify.ErrDuplicateSKU)
		var dup *shopify.DuplicateSKUError
		require.ErrorAs(t, err, &dup)
		require.Len(t, dup.Variants, 2)
		require.Regexp(t, `^SKU "MUG-1" is on 2 variants in Shopify: variant \d+ \(Mug / Red\), variant \d+ \(Mug \(copy\) / Red\)$`, err.Error())
	})
	t.Run("SKUs that differ only in case or spaces are one SKU on two variants", func(t *testing.T) {
		_, err := cat.Lookup("TS-1")
		require.ErrorIs(t, err, shopify.ErrDuplicateSKU)
		require.Regexp(t, `^SKU "TS-1" is on 2 variants in Shopify: variant \d+ \(Tee / S\), variant \d+ \(Tee \(old\) / S\) with SKU "ts-1"$`, err.Error())
		require.Len(t, cat.Duplicates(), 2)
		require.Equal(t, []string{"MUG-1", "TS-1"}, []string{cat.Duplicates()[0].SKU, cat.Duplicates()[1].SKU})
	})
	t.Run("an unknown SKU is its own error", func(t *testing.T) {
		_, err := cat.Lookup("NOPE")
		require.ErrorIs(t, err, shopify.ErrUnknownSKU)
		require.EqualError(t, err, `SKU "NOPE": shopify: no variant has this SKU`)
	})
	t.Run("spaces around a SKU do not matter", func(t *testing.T) {
		v, err := cat.Lookup("MUG-2 ")
		require.NoError(t, err)
		require.Equal(t, "Blue", v.VariantTitle)
		require.Equal(t, "MUG-2", v.SKU)
	})
	t.Run("an untracked variant says so", func(t *testing.T) {
		v, err := cat.Lookup("GIFT")
		require.NoError(t, err)
		require.False(t, v.Tracked())
	})
	t.Run("variants without a SKU are counted and listed, not indexed", func(t *testing.T) {
		require.Equal(t, 2, cat.NoSKU)
		var names []string
		for _, v := range cat.WithoutSKU() {
			names = append(names, v.ProductTitle+" / "+v.VariantTitle)
		}
		require.Equal(t, []string{"Mug / Plain", "Tee (old) / M"}, names)
	})
}

func TestCatalogRefreshReadsOnlyWhatChanged(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, shopifytest.WithGenerated(shopifytest.GenOptions{SKUs: 900, Locations: 1, Seed: 4}))
	ctx := context.Background()
	first, err := b.client.Catalog(ctx)
	require.NoError(t, err)
	requireWhole(t, b.srv, first)
	points := func() float64 { return b.client.Stats()["POST graphql"].Points }
	fullPoints := points()

	b.clock.Advance(time.Hour)
	vs := b.srv.Variants()
	renamed := []shopifytest.Variant{vs[10], vs[500], vs[899]}
	for _, v := range renamed {
		require.NoError(t, b.srv.SetVariantSKU(v.ID, v.SKU+"-NEW"))
	}
	gone := vs[3]
	require.NoError(t, b.srv.DeleteProduct(gone.ProductID))
	b.clock.Advance(time.Minute)

	before := points()
	cat, err := b.client.Catalog(ctx)
	require.NoError(t, err)
	require.Less(t, points()-before, fullPoints/20, "a refresh costs what changed, not the store")
	for _, v := range renamed {
		got, err := cat.Lookup(v.SKU + "-NEW")
		require.NoError(t, err, "the new SKU is found")
		require.Equal(t, v.ID, got.VariantID)
		_, err = cat.Lookup(v.SKU)
		require.ErrorIs(t, err, shopify.ErrUnknownSKU, "the old SKU is gone")
	}
	_, err = cat.Lookup(gone.SKU)
	require.NoError(t, err, "a refresh cannot see a deletion")
	_, err = first.Lookup(renamed[0].SKU)
	require.NoError(t, err, "a catalog handed out earlier does not change")

	t.Run("a full read forgets deleted variants", func(t *testing.T) {
		full, err := b.client.CatalogFull(ctx)
		require.NoError(t, err)
		requireWhole(t, b.srv, full)
		_, err = full.Lookup(gone.SKU)
		require.ErrorIs(t, err, shopify.ErrUnknownSKU)
	})
	t.Run("a day after the last full read, Catalog reads everything again by itself", func(t *testing.T) {
		b.clock.Advance(25 * time.Hour)
		before := points()
		_, err := b.client.Catalog(ctx)
		require.NoError(t, err)
		require.Greater(t, points()-before, fullPoints/2)
	})
}

func TestCatalogRefreshAsksForChangesWithShopifysDateSyntax(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, shopifytest.WithoutRateLimits(), shopifytest.WithGenerated(shopifytest.GenOptions{SKUs: 30, Locations: 1, Seed: 4}))
	ctx := context.Background()
	_, err := b.client.Catalog(ctx)
	require.NoError(t, err)
	full := b.client.Stats()["POST graphql"].Points
	b.clock.Advance(time.Hour)
	_, err = b.client.Catalog(ctx)
	require.NoError(t, err)
	require.NotContains(t, b.logs.String(), "shopify ignored part of a search query", "Shopify understood the filter")
	require.Less(t, b.client.Stats()["POST graphql"].Points-full, full/2, "the refresh did not read everything again")
}

func TestBulkCatalogReadFallsBackToPages(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		version string
		fault   func(*shopifytest.Server)
		logs    string
	}{
		{"a bulk operation that fails", "2026-07", func(s *shopifytest.Server) { s.FailBulkOperations("INTERNAL_SERVER_ERROR") }, "ended FAILED (INTERNAL_SERVER_ERROR)"},
		{"another bulk query of the app running", "2026-07", func(s *shopifytest.Server) { s.SetBulkSpeed(1, time.Second) }, "already in progress"},
		{"a failing bulk operation on a version before bulkOperation(id:)", "2025-10", func(s *shopifytest.Server) { s.FailBulkOperations("TIMEOUT") }, "ended FAILED (TIMEOUT)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, func(c *shopify.Config) { c.CatalogBulkFrom, c.APIVersion = 10, tc.version },
				shopifytest.WithGenerated(shopifytest.GenOptions{SKUs: 300, Locations: 1, Seed: 8}))
			tc.fault(b.srv)
			if strings.Contains(tc.logs, "in progress") {
				// Another process of the same app started a slow one a moment ago.
				body := `{"query":"mutation { bulkOperationRunQuery(query: \"{ productVariants { edges { node { id } } } }\") { userErrors { message } } }"}`
				req, err := http.NewRequest(http.MethodPost, "https://"+b.srv.Domain()+"/admin/api/2026-07/graphql.json", strings.NewReader(body))
				require.NoError(t, err)
				req.Header.Set("X-Shopify-Access-Token", b.srv.Token)
				req.Header.Set("Content-Type", "application/json")
				resp, err := b.srv.Client().Do(req)
				require.NoError(t, err)
				raw, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				require.JSONEq(t, `{"bulkOperationRunQuery":{"userErrors":[]}}`, string(graphQLData(t, raw)))
			}
			cat, err := b.client.CatalogFull(context.Background())
			require.NoError(t, err)
			requireWhole(t, b.srv, cat)
			require.Contains(t, b.logs.String(), "bulk read of the catalog failed, reading it page by page")
			require.Contains(t, b.logs.String(), tc.logs)
		})
	}
}

func TestLocationsByName(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, shopifytest.WithoutRateLimits())
	main := b.srv.AddLocation("Main Warehouse")
	b.srv.AddLocation("Lager Köln")
	b.srv.AddLocation("Outlet")
	b.srv.AddLocation("outlet ")

	locs, err := b.client.Locations(context.Background())
	require.NoError(t, err)
	require.Len(t, locs, 4)

	cases := []struct {
		name string
		find string
		id   int64
		err  string
	}{
		{"a name is found", "Main Warehouse", main, ""},
		{"case and spaces are ignored", "  main warehouse", main, ""},
		{"a non-ASCII name is found", "LAGER KÖLN", locs[1].ID, ""},
		{"an unknown name is its own error", "Depot", 0, `location "Depot": shopify: no location has this name`},
		{"two locations with one name are not guessed", "Outlet", 0, `location "Outlet": 2 locations have this name`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l, err := locs.ByName(tc.find)
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.id, l.ID)
			require.True(t, l.Active)
		})
	}
	_, err = locs.ByName("Depot")
	require.ErrorIs(t, err, shopify.ErrUnknownLocation)
}
