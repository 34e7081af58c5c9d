package shopifytest

import (
	"encoding/base64"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// GraphQL productVariants: every variant of the shop, whatever product it is on, in pages
// of at most 250 with opaque cursors, filtered by Shopify's search syntax. What the REST
// products endpoint cannot do (it shows at most 100 variants of a product) this can: a
// product may have up to 2,048.

// maxPageSize is the most items one page of a connection holds.
const maxPageSize = 250

// variantNode is a variant as the ProductVariant type shows it.
func (s *Server) variantNode(v *variant) map[string]any {
	var sku any
	if v.sku != "" {
		sku = v.sku
	}
	return map[string]any{
		"id": gid("ProductVariant", v.id), "legacyResourceId": strconv.FormatInt(v.id, 10),
		"sku": sku, "title": v.title, "displayName": v.productTitle + " - " + v.title,
		"createdAt": gqlTime(v.createdAt), "updatedAt": gqlTime(v.updatedAt),
		"inventoryItem": map[string]any{
			"id": gid("InventoryItem", v.inventoryItemID), "legacyResourceId": strconv.FormatInt(v.inventoryItemID, 10),
			"sku": sku, "tracked": v.tracked,
		},
		"product": map[string]any{
			"id": gid("Product", v.productID), "legacyResourceId": strconv.FormatInt(v.productID, 10), "title": v.productTitle,
		},
	}
}

// gqlTime writes a DateTime as GraphQL answers carry it: UTC, seconds.
func gqlTime(t time.Time) string { return t.UTC().Truncate(time.Second).Format(time.RFC3339) }

// pageSize reads a connection's first or last argument.
func pageSize(f *gqlField, vars map[string]any) (int, *gqlError) {
	for _, arg := range []string{"first", "last"} {
		raw, ok := resolve(f.args[arg], vars)
		if !ok || raw == nil {
			continue
		}
		n, ok := asInt64(raw)
		switch {
		case !ok || n < 0:
			return 0, &gqlError{Message: fmt.Sprintf("Argument '%s' on Field '%s' has an invalid value. Expected type 'Int'.", arg, f.name), Code: "argumentLiteralsIncompatible", line: f.line, col: f.col}
		case n > maxPageSize:
			// [unverified] the wording; the limit of 250 is documented.
			return 0, &gqlError{Message: fmt.Sprintf("The '%s' argument of '%s' must be at most %d.", arg, f.name, maxPageSize), Code: "argumentLiteralsIncompatible", line: f.line, col: f.col}
		}
		return int(n), nil
	}
	return 0, &gqlError{Message: "you must provide one of first or last", line: f.line, col: f.col}
}

// variantCursor is a cursor on a variant: opaque to clients, as Shopify's are.
func variantCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("ProductVariant:" + strconv.FormatInt(id, 10)))
}

func parseVariantCursor(c string) (int64, bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, false
	}
	rest, ok := strings.CutPrefix(string(b), "ProductVariant:")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(rest, 10, 64)
	return n, err == nil
}

// searchResult is what a search query did: what extensions.search reports.
type searchResult struct {
	path     string
	query    string
	warnings []searchWarning
}

func (r searchResult) body() map[string]any {
	return map[string]any{"path": []any{r.path}, "query": r.query, "warnings": r.warnings}
}

// matchingVariants lists the variants a query argument selects, by id, descending when
// reverse is set. The caller holds s.mu.
func (s *Server) matchingVariants(f *gqlField, vars map[string]any) (ids []int64, reverse bool, search *searchResult, err *gqlError) {
	if key := asString(argValue(f, "sortKey", vars)); key != "" && key != "ID" {
		return nil, false, nil, &gqlError{Message: fmt.Sprintf("The simulator sorts productVariants by ID only, not %s.", key), line: f.line, col: f.col}
	}
	ids = s.st.variantIDs
	if q := asString(argValue(f, "query", vars)); q != "" {
		expr, warnings := parseSearch(q)
		if len(warnings) > 0 {
			search = &searchResult{path: f.key(), query: q, warnings: warnings}
		}
		if expr != nil {
			var matched []int64
			for _, id := range ids {
				if expr.match(s.st.variants[id]) {
					matched = append(matched, id)
				}
			}
			ids = matched
		}
	}
	if reverse = asBool(argValue(f, "reverse", vars), false); reverse {
		ids = slices.Clone(ids)
		slices.Reverse(ids)
	}
	return ids, reverse, search, nil
}

// productVariants answers one page of the connection and how many items it holds. The
// caller holds s.mu.
func (s *Server) productVariants(f *gqlField, vars map[string]any) (map[string]any, int, *searchResult, *gqlError) {
	n, gerr := pageSize(f, vars)
	if gerr != nil {
		return nil, 0, nil, gerr
	}
	ids, reverse, search, gerr := s.matchingVariants(f, vars)
	if gerr != nil {
		return nil, 0, nil, gerr
	}
	// position of the first id after (or before) a cursor, in list order
	at := func(cursor string, after bool) (int, *gqlError) {
		id, ok := parseVariantCursor(cursor)
		if !ok {
			return 0, &gqlError{Message: fmt.Sprintf("Invalid cursor for current pagination sort: %s", cursor), line: f.line, col: f.col}
		}
		i := sort.Search(len(ids), func(i int) bool {
			if reverse {
				return ids[i] <= id
			}
			return ids[i] >= id
		})
		if after && i < len(ids) && ids[i] == id {
			i++
		}
		return i, nil
	}
	start, end := 0, len(ids)
	if c := asString(argValue(f, "after", vars)); c != "" {
		if start, gerr = at(c, true); gerr != nil {
			return nil, 0, nil, gerr
		}
	}
	if c := asString(argValue(f, "before", vars)); c != "" {
		if end, gerr = at(c, false); gerr != nil {
			return nil, 0, nil, gerr
		}
	}
	end = max(start, end)
	if argValue(f, "last", vars) != nil {
		start = max(start, end-n)
	} else {
		end = min(end, start+n)
	}
	page := ids[start:end]
	edges := make([]any, 0, len(page))
	nodes := make([]any, 0, len(page))
	for _, id := range page {
		node := s.variantNode(s.st.variants[id])
		nodes = append(nodes, node)
		edges = append(edges, map[string]any{"cursor": variantCursor(id), "node": node})
	}
	info := map[string]any{"hasNextPage": end < len(ids), "hasPreviousPage": start > 0, "startCursor": nil, "endCursor": nil}
	if len(page) > 0 {
		info["startCursor"], info["endCursor"] = variantCursor(page[0]), variantCursor(page[len(page)-1])
	}
	return map[string]any{"edges": edges, "nodes": nodes, "pageInfo": info}, len(page), search, nil
}

// argValue is an argument's value, variables resolved; nil when not given.
func argValue(f *gqlField, name string, vars map[string]any) any {
	v, _ := resolve(f.args[name], vars)
	return v
}

// countLimit is how far productVariantsCount counts by default.
const countLimit = 10000

// productVariantsCount counts the variants a query selects, up to its limit (default
// 10,000, as Shopify's counts are). The caller holds s.mu.
func (s *Server) productVariantsCount(f *gqlField, vars map[string]any) (map[string]any, *searchResult, *gqlError) {
	ids, _, search, gerr := s.matchingVariants(f, vars)
	if gerr != nil {
		return nil, nil, gerr
	}
	limit := countLimit
	if raw := argValue(f, "limit", vars); raw != nil {
		n, ok := asInt64(raw)
		if !ok || n < 1 {
			return nil, nil, &gqlError{Message: "Argument 'limit' on Field 'productVariantsCount' has an invalid value.", line: f.line, col: f.col}
		}
		limit = int(n)
	}
	if len(ids) > limit {
		return map[string]any{"count": limit, "precision": "AT_LEAST"}, search, nil
	}
	return map[string]any{"count": len(ids), "precision": "EXACT"}, search, nil
}
