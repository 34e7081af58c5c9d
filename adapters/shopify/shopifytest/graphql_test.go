package shopifytest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/adapters/shopify/shopifytest"
)

const setQuantities = `mutation Set($input: InventorySetQuantitiesInput!) {
  inventorySetQuantities(input: $input)%s {
    inventoryAdjustmentGroup { reason changes { name delta quantityAfterChange item { id } } }
    userErrors { code field message }
  }
}`

func (s *shop) graphql(t *testing.T, version, query string, vars any) map[string]any {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	require.NoError(t, err)
	r := s.call(t, http.MethodPost, "/admin/api/"+version+"/graphql.json", string(body))
	require.Equal(t, http.StatusOK, r.status, "GraphQL answers 200 even for errors")
	return r.json(t)
}

func gidItem(id int64) string { return fmt.Sprintf("gid://shopify/InventoryItem/%d", id) }
func gidLoc(id int64) string  { return fmt.Sprintf("gid://shopify/Location/%d", id) }

func withKey(key string) string { return fmt.Sprintf(` @idempotent(key: %q)`, key) }

// quantity builds one InventoryQuantityInput; extra holds compare fields.
func quantity(item, loc int64, qty int, extra ...any) map[string]any {
	m := map[string]any{"inventoryItemId": gidItem(item), "locationId": gidLoc(loc), "quantity": qty}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i].(string)] = extra[i+1]
	}
	return m
}

func input(extra map[string]any, qs ...map[string]any) map[string]any {
	in := map[string]any{"name": "available", "reason": "correction", "quantities": qs}
	for k, v := range extra {
		in[k] = v
	}
	return map[string]any{"input": in}
}

func userErrors(t *testing.T, res map[string]any) []map[string]any {
	t.Helper()
	require.Nil(t, res["errors"], "no top-level errors")
	payload := obj(obj(res["data"])["inventorySetQuantities"])
	var out []map[string]any
	for _, e := range list(payload["userErrors"]) {
		out = append(out, obj(e))
	}
	return out
}

func topError(t *testing.T, res map[string]any) (message, code string) {
	t.Helper()
	errs := list(res["errors"])
	require.NotEmpty(t, errs, "a top-level error")
	e := obj(errs[0])
	return e["message"].(string), fmt.Sprint(obj(e["extensions"])["code"])
}

func TestGraphQLCostAndSchema(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	s.srv.SetPlan(shopifytest.PlanStandard)

	res := s.graphql(t, "2026-07", `{ shop { name myshopifyDomain } }`, nil)
	require.Equal(t, "passthrough-test.myshopify.com", obj(obj(res["data"])["shop"])["myshopifyDomain"])
	cost := obj(obj(res["extensions"])["cost"])
	require.Equal(t, int64(1), num(t, cost["requestedQueryCost"]))
	require.Equal(t, int64(2000), num(t, obj(cost["throttleStatus"])["maximumAvailable"]), "a standard shop's bucket")

	res = s.graphql(t, "2026-07", `{ shop { nmae } }`, nil)
	msg, code := topError(t, res)
	require.Equal(t, "Field 'nmae' doesn't exist on type 'Shop'", msg)
	require.Equal(t, "undefinedField", code)

	res = s.graphql(t, "2026-07", `{ shop { name `, nil)
	msg, _ = topError(t, res)
	require.True(t, strings.HasPrefix(msg, "Parse error"), msg)
}

func TestInventorySetQuantitiesRules(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	key := 0
	nextKey := func() string { key++; return withKey(fmt.Sprintf("key-%d", key)) }
	noKey := func() string { return "" }
	// Every case sets X at B, which holds 10, to 7.
	x := func(extra ...any) map[string]any { return quantity(s.itemX, s.locB, 7, extra...) }

	cases := []struct {
		name    string
		version string
		key     func() string
		vars    map[string]any
		applied bool
		code    string // the first userError's code ("<nil>" when it has none)
		field   string // and its field path
		top     string // or the code of a top-level error
	}{
		{name: "from 2026-04 a quantity with changeFromQuantity is applied", version: "2026-07", key: nextKey,
			vars: input(nil, x("changeFromQuantity", 10)), applied: true},
		{name: "from 2026-04 a null changeFromQuantity skips the check", version: "2026-07", key: nextKey,
			vars: input(nil, x("changeFromQuantity", nil)), applied: true},
		{name: "from 2026-04 leaving out changeFromQuantity is refused", version: "2026-07", key: nextKey,
			vars: input(nil, x()), code: "<nil>", field: "input,quantities,0,changeFromQuantity"},
		{name: "from 2026-04 a stale changeFromQuantity is refused", version: "2026-07", key: nextKey,
			vars: input(nil, x("changeFromQuantity", 99)), code: "CHANGE_FROM_QUANTITY_STALE", field: "input,quantities,0,changeFromQuantity"},
		{name: "from 2026-04 an idempotency key is required", version: "2026-07", key: noKey,
			vars: input(nil, x("changeFromQuantity", nil)), top: "BAD_REQUEST"},
		{name: "before 2026-04 a quantity without compareQuantity is refused", version: "2026-01", key: nextKey,
			vars: input(nil, x()), code: "COMPARE_QUANTITY_REQUIRED", field: "input,quantities,0,compareQuantity"},
		{name: "before 2026-04 a matching compareQuantity is applied", version: "2026-01", key: nextKey,
			vars: input(nil, x("compareQuantity", 10)), applied: true},
		{name: "before 2026-04 ignoreCompareQuantity opts out", version: "2026-01", key: nextKey,
			vars: input(map[string]any{"ignoreCompareQuantity": true}, x()), applied: true},
		{name: "before 2026-04 a stale compareQuantity is refused", version: "2026-01", key: nextKey,
			vars: input(nil, x("compareQuantity", 99)), code: "COMPARE_QUANTITY_STALE", field: "input,quantities,0,compareQuantity"},
		{name: "before 2026-01 an unkeyed call is applied", version: "2025-07", key: noKey,
			vars: input(map[string]any{"ignoreCompareQuantity": true}, x()), applied: true},
		{name: "before 2026-01 there is no @idempotent directive", version: "2025-07", key: nextKey,
			vars: input(map[string]any{"ignoreCompareQuantity": true}, x()), top: "undefinedDirective"},
		{name: "before 2025-10 changeFromQuantity does not exist", version: "2025-07", key: noKey,
			vars: input(nil, x("changeFromQuantity", nil)), top: "INVALID_VARIABLE"},
		{name: "an unknown inventory item is refused", version: "2026-07", key: nextKey,
			vars: input(nil, quantity(1, s.locB, 7, "changeFromQuantity", nil)),
			code: "INVALID_INVENTORY_ITEM", field: "input,quantities,0,inventoryItemId"},
		{name: "an unknown location is refused", version: "2026-07", key: nextKey,
			vars: input(nil, quantity(s.itemX, 1, 7, "changeFromQuantity", nil)),
			code: "INVALID_LOCATION", field: "input,quantities,0,locationId"},
		{name: "a negative quantity is refused", version: "2026-07", key: nextKey,
			vars: input(nil, quantity(s.itemX, s.locB, -1, "changeFromQuantity", nil)),
			code: "INVALID_QUANTITY_NEGATIVE", field: "input,quantities,0,quantity"},
		{name: "the same item and location twice is refused", version: "2026-07", key: nextKey,
			vars: input(nil, x("changeFromQuantity", nil), x("changeFromQuantity", nil)),
			code: "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR", field: "input,quantities,1,inventoryItemId"},
		{name: "an unknown reason is refused", version: "2026-07", key: nextKey,
			vars: input(map[string]any{"reason": "because"}, x("changeFromQuantity", nil)), code: "INVALID_REASON", field: "input,reason"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.NoError(t, s.srv.SetInventoryLevel(s.itemX, s.locB, 10))
			res := s.graphql(t, tc.version, fmt.Sprintf(setQuantities, tc.key()), tc.vars)
			level, _ := s.srv.InventoryLevel(s.itemX, s.locB)
			switch {
			case tc.top != "":
				_, code := topError(t, res)
				require.Equal(t, tc.top, code)
				require.Equal(t, 10, level)
			case tc.applied:
				require.Empty(t, userErrors(t, res))
				require.Equal(t, 7, level)
				change := obj(list(obj(obj(obj(res["data"])["inventorySetQuantities"])["inventoryAdjustmentGroup"])["changes"])[0])
				require.Equal(t, int64(-3), num(t, change["delta"]))
			default:
				errs := userErrors(t, res)
				require.NotEmpty(t, errs)
				require.Equal(t, tc.code, fmt.Sprint(errs[0]["code"]))
				var field []string
				for _, f := range list(errs[0]["field"]) {
					field = append(field, f.(string))
				}
				require.Equal(t, tc.field, strings.Join(field, ","))
				require.Equal(t, 10, level, "nothing applied")
			}
		})
	}
}

func TestInventorySetQuantitiesIsAllOrNothing(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	res := s.graphql(t, "2026-07", fmt.Sprintf(setQuantities, withKey("k1")), input(nil,
		quantity(s.itemX, s.locB, 1, "changeFromQuantity", nil),
		quantity(s.itemY, s.locA, 2, "changeFromQuantity", 4), // A holds 5
	))
	errs := userErrors(t, res)
	require.Len(t, errs, 1)
	require.Equal(t, "CHANGE_FROM_QUANTITY_STALE", errs[0]["code"])
	require.Equal(t, []any{"input", "quantities", "1", "changeFromQuantity"}, errs[0]["field"])
	require.Nil(t, obj(obj(res["data"])["inventorySetQuantities"])["inventoryAdjustmentGroup"])
	x, _ := s.srv.InventoryLevel(s.itemX, s.locB)
	require.Equal(t, 10, x, "the valid quantity was not applied either")
}

func TestIdempotencyKeys(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	q := fmt.Sprintf(setQuantities, withKey("same-key"))
	vars := input(nil, quantity(s.itemX, s.locB, 3, "changeFromQuantity", nil))
	first := s.graphql(t, "2026-07", q, vars)
	require.Empty(t, userErrors(t, first))

	require.NoError(t, s.srv.SetInventoryLevel(s.itemX, s.locB, 8)) // someone sells and recounts
	again := s.graphql(t, "2026-07", q, vars)
	require.Equal(t, first["data"], again["data"], "the same key and input give the first answer")
	level, _ := s.srv.InventoryLevel(s.itemX, s.locB)
	require.Equal(t, 8, level, "and do not apply again")

	other := s.graphql(t, "2026-07", q, input(nil, quantity(s.itemX, s.locB, 4, "changeFromQuantity", nil)))
	require.Equal(t, "IDEMPOTENCY_KEY_PARAMETER_MISMATCH", userErrors(t, other)[0]["code"])
}

func TestGraphQLLimits(t *testing.T) {
	t.Parallel()
	s := newShop(t)

	t.Run("more than 250 quantities is refused", func(t *testing.T) {
		var qs []map[string]any
		for range 251 {
			qs = append(qs, quantity(s.itemX, s.locB, 1, "changeFromQuantity", nil))
		}
		msg, code := topError(t, s.graphql(t, "2026-07", fmt.Sprintf(setQuantities, withKey("big")), input(nil, qs...)))
		require.Equal(t, "MAX_INPUT_SIZE_EXCEEDED", code)
		require.Equal(t, "The input array size of 251 is greater than the maximum allowed of 250.", msg)
	})

	t.Run("a query costing more than is available is throttled until points restore", func(t *testing.T) {
		s.srv.SetGraphQLLimit(15, 5) // one mutation (10 points) fits, the next must wait a second
		vars := input(nil, quantity(s.itemX, s.locB, 2, "changeFromQuantity", nil))
		ok := s.graphql(t, "2026-07", fmt.Sprintf(setQuantities, withKey("t1")), vars)
		status := obj(obj(obj(ok["extensions"])["cost"])["throttleStatus"])
		require.Equal(t, int64(5), num(t, status["currentlyAvailable"]))

		throttled := s.graphql(t, "2026-07", fmt.Sprintf(setQuantities, withKey("t2")), vars)
		msg, code := topError(t, throttled)
		require.Equal(t, "Throttled", msg)
		require.Equal(t, "THROTTLED", code)
		require.Nil(t, throttled["data"])
		cost := obj(obj(throttled["extensions"])["cost"])
		require.Nil(t, cost["actualQueryCost"])
		require.Equal(t, int64(10), num(t, cost["requestedQueryCost"]))

		s.clock.Advance(time.Second)
		require.Empty(t, userErrors(t, s.graphql(t, "2026-07", fmt.Sprintf(setQuantities, withKey("t2")), vars)))
	})
}
