package shopify

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// The store's variants come from GraphQL productVariants: every variant of every product,
// however many a product has (up to 2,048), where REST products.json stops at 100 a
// product and is deprecated.

// variantsPerPage is the most items a GraphQL page holds.
const variantsPerPage = 250

// variantFields is what the catalog asks of each variant. It costs 3 points a variant:
// the variant, its inventory item and its product are one object each.
const variantFields = `id sku title updatedAt inventoryItem { id tracked } product { id title }`

const variantPagesQuery = `query CatalogPage($first: Int!, $after: String, $query: String) {
  productVariants(first: $first, after: $after, query: $query, sortKey: ID) {
    nodes { ` + variantFields + ` }
    pageInfo { hasNextPage endCursor }
  }
}`

// variantNode is a ProductVariant as variantFields asks for it.
type variantNode struct {
	ID            string     `json:"id"`
	SKU           *string    `json:"sku"`
	Title         string     `json:"title"`
	UpdatedAt     *time.Time `json:"updatedAt"`
	InventoryItem *struct {
		ID      string `json:"id"`
		Tracked bool   `json:"tracked"`
	} `json:"inventoryItem"`
	Product *struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	} `json:"product"`
}

// variant turns a node into a Variant; an error says what is wrong with it.
func (n variantNode) variant() (Variant, error) {
	id, err := parseGID(n.ID, "ProductVariant")
	if err != nil {
		return Variant{}, err
	}
	bad := func(format string, args ...any) (Variant, error) {
		return Variant{}, fmt.Errorf("variant %d cannot be read: %s", id, fmt.Sprintf(format, args...))
	}
	switch {
	case n.InventoryItem == nil:
		return bad("it has no inventory item")
	case n.Product == nil:
		return bad("it has no product")
	}
	item, err := parseGID(n.InventoryItem.ID, "InventoryItem")
	if err != nil {
		return bad("%v", err)
	}
	product, err := parseGID(n.Product.ID, "Product")
	if err != nil {
		return bad("%v", err)
	}
	v := Variant{
		VariantID: id, ProductID: product, InventoryItemID: item, ProductTitle: n.Product.Title, VariantTitle: n.Title,
		InventoryTracked: n.InventoryItem.Tracked,
	}
	if n.SKU != nil {
		v.SKU = strings.TrimSpace(*n.SKU)
	}
	if n.UpdatedAt != nil {
		v.UpdatedAt = *n.UpdatedAt
	}
	return v, nil
}

// parseGID reads gid://shopify/{kind}/{id}.
func parseGID(gid, kind string) (int64, error) {
	rest, ok := strings.CutPrefix(gid, "gid://shopify/"+kind+"/")
	n, err := strconv.ParseInt(rest, 10, 64)
	if !ok || err != nil || n <= 0 {
		return 0, fmt.Errorf("%.80q is not a gid://shopify/%s/ id", gid, kind)
	}
	return n, nil
}

// readVariant decodes one variant, from a page or a line of a bulk result.
func readVariant(raw json.RawMessage) (Variant, error) {
	var n variantNode
	if err := json.Unmarshal(raw, &n); err != nil {
		var head struct {
			ID json.RawMessage `json:"id"`
		}
		_ = json.Unmarshal(raw, &head)
		return Variant{}, fmt.Errorf("variant %.80s cannot be read: %v", head.ID, err)
	}
	return n.variant()
}

// variantPages reads the variants query selects ("" for all), page by page in id order.
// A variant that cannot be read is a problem, and the rest goes on.
func (c *Client) variantPages(ctx context.Context, query string) ([]Variant, []string, error) {
	var out []Variant
	var problems []string
	vars := map[string]any{"first": variantsPerPage}
	if query != "" {
		vars["query"] = query
	}
	for n := 1; ; n++ {
		var resp struct {
			ProductVariants struct {
				Nodes    []json.RawMessage `json:"nodes"`
				PageInfo struct {
					HasNextPage bool   `json:"hasNextPage"`
					EndCursor   string `json:"endCursor"`
				} `json:"pageInfo"`
			} `json:"productVariants"`
		}
		err := c.call(ctx, "POST graphql productVariants", func() error {
			return c.gs.GraphQL.Query(ctx, variantPagesQuery, vars, &resp)
		})
		if err != nil {
			return nil, nil, fmt.Errorf("fetch variants page %d: %w", n, err)
		}
		for _, raw := range resp.ProductVariants.Nodes {
			v, err := readVariant(raw)
			if err != nil {
				problems = append(problems, err.Error())
				continue
			}
			out = append(out, v)
		}
		pi := resp.ProductVariants.PageInfo
		if !pi.HasNextPage || pi.EndCursor == "" {
			return out, problems, nil
		}
		vars["after"] = pi.EndCursor
	}
}

// variantCount asks how many variants the store has. Shopify counts up to 10,000 by
// default; a larger store counts as math.MaxInt.
func (c *Client) variantCount(ctx context.Context) (int, error) {
	var resp struct {
		Count struct {
			Count     int    `json:"count"`
			Precision string `json:"precision"`
		} `json:"productVariantsCount"`
	}
	err := c.call(ctx, "POST graphql productVariantsCount", func() error {
		return c.gs.GraphQL.Query(ctx, `{ productVariantsCount { count precision } }`, nil, &resp)
	})
	if err != nil {
		return 0, fmt.Errorf("count variants: %w", err)
	}
	if resp.Count.Precision == "AT_LEAST" {
		return math.MaxInt, nil
	}
	return resp.Count.Count, nil
}

// bulkVariantsQuery reads every variant in one bulk operation.
const bulkVariantsQuery = `{ productVariants { edges { node { ` + variantFields + ` } } } }`

// bulkVariants reads every variant with a bulk operation.
func (c *Client) bulkVariants(ctx context.Context) ([]Variant, []string, error) {
	resultURL, err := c.runBulkQuery(ctx, bulkVariantsQuery)
	if err != nil || resultURL == "" {
		return nil, nil, err
	}
	var out []Variant
	var problems []string
	err = c.download(ctx, resultURL, func() { out, problems = nil, nil }, func(line []byte) {
		v, err := readVariant(line)
		if err != nil {
			problems = append(problems, err.Error())
			return
		}
		out = append(out, v)
	})
	if err != nil {
		return nil, nil, err
	}
	return out, problems, nil
}
