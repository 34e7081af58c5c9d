package shopifytest

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// gqlSchema is the part of the Admin GraphQL schema the simulator serves: type → field →
// the field's type ("" for a scalar). Selections are checked against it before anything
// runs, so a typo in a query is an error, not a silently empty answer.
var gqlSchema = map[string]map[string]string{
	"Mutation": {
		"inventorySetQuantities": "InventorySetQuantitiesPayload", "bulkOperationRunQuery": "BulkOperationRunQueryPayload",
		"webhookSubscriptionCreate": "WebhookSubscriptionCreatePayload", "webhookSubscriptionUpdate": "WebhookSubscriptionUpdatePayload",
		"webhookSubscriptionDelete": "WebhookSubscriptionDeletePayload",
	},
	"QueryRoot": {
		"shop": "Shop", "productVariants": "ProductVariantConnection", "productVariantsCount": "Count",
		"bulkOperation": "BulkOperation", "currentBulkOperation": "BulkOperation",
		"webhookSubscriptions": "WebhookSubscriptionConnection", "webhookSubscription": "WebhookSubscription",
	},
	"WebhookSubscriptionConnection": {"edges": "WebhookSubscriptionEdge", "nodes": "WebhookSubscription", "pageInfo": "PageInfo"},
	"WebhookSubscriptionEdge":       {"cursor": "", "node": "WebhookSubscription"},
	"WebhookSubscription": {
		"id": "", "legacyResourceId": "", "topic": "", "uri": "", "callbackUrl": "", "format": "", "createdAt": "",
		"updatedAt": "", "includeFields": "", "filter": "", "apiVersion": "ApiVersion",
	},
	"ApiVersion":                       {"handle": "", "displayName": "", "supported": ""},
	"WebhookSubscriptionCreatePayload": {"webhookSubscription": "WebhookSubscription", "userErrors": "UserError"},
	"WebhookSubscriptionUpdatePayload": {"webhookSubscription": "WebhookSubscription", "userErrors": "UserError"},
	"WebhookSubscriptionDeletePayload": {"deletedWebhookSubscriptionId": "", "userErrors": "UserError"},
	"UserError":                        {"field": "", "message": ""},
	"Shop":                             {"id": "", "name": "", "myshopifyDomain": "", "currencyCode": "", "ianaTimezone": ""},
	"InventorySetQuantitiesPayload": {
		"inventoryAdjustmentGroup": "InventoryAdjustmentGroup", "userErrors": "InventorySetQuantitiesUserError",
	},
	"InventoryAdjustmentGroup": {
		"id": "", "createdAt": "", "reason": "", "referenceDocumentUri": "", "changes": "InventoryChange",
	},
	"InventoryChange": {
		"name": "", "delta": "", "quantityAfterChange": "", "ledgerDocumentUri": "", "item": "InventoryItem", "location": "Location",
	},
	"InventoryItem":                   {"id": "", "legacyResourceId": "", "sku": "", "tracked": ""},
	"Location":                        {"id": "", "name": ""},
	"InventorySetQuantitiesUserError": {"code": "", "field": "", "message": ""},
	"ProductVariantConnection":        {"edges": "ProductVariantEdge", "nodes": "ProductVariant", "pageInfo": "PageInfo"},
	"ProductVariantEdge":              {"cursor": "", "node": "ProductVariant"},
	"PageInfo":                        {"hasNextPage": "", "hasPreviousPage": "", "startCursor": "", "endCursor": ""},
	"ProductVariant": {
		"id": "", "legacyResourceId": "", "sku": "", "title": "", "displayName": "", "createdAt": "", "updatedAt": "",
		"inventoryItem": "InventoryItem", "product": "Product",
	},
	"Product": {"id": "", "legacyResourceId": "", "title": ""},
	"Count":   {"count": "", "precision": ""},
	"BulkOperation": {
		"id": "", "status": "", "errorCode": "", "type": "", "query": "", "createdAt": "", "completedAt": "",
		"objectCount": "", "rootObjectCount": "", "fileSize": "", "url": "", "partialDataUrl": "",
	},
	"BulkOperationRunQueryPayload": {"bulkOperation": "BulkOperation", "userErrors": "BulkOperationUserError"},
	"BulkOperationUserError":       {"code": "", "field": "", "message": ""},
}

// gqlSince names the root fields that appeared after the oldest version the simulator
// serves, and the version they appeared in.
var gqlSince = map[string]string{
	"QueryRoot.bulkOperation": "2026-01",
}

// maxQueryCost is the most a single query may cost.
const maxQueryCost = 1000

// maxInputArray is the most elements any array argument may have.
const maxInputArray = 250

// The reasons inventorySetQuantities accepts.
var inventoryReasons = []string{
	"correction", "cycle_count_available", "damaged", "movement_created", "movement_updated", "movement_received",
	"movement_canceled", "other", "promotion", "quality_control", "received", "reservation_created",
	"reservation_deleted", "reservation_updated", "restock", "safety_stock", "shrinkage",
}

type idemEntry struct {
	hash    [32]byte
	payload map[string]any
}

// maxIdempotencyKeys bounds the remembered idempotency keys (oldest forgotten first).
const maxIdempotencyKeys = 10000

func validateSelection(typ string, sel []*gqlField) *gqlError {
	fields := gqlSchema[typ]
	for _, f := range sel {
		if f.name == "__typename" {
			continue
		}
		ft, ok := fields[f.name]
		if !ok {
			return &gqlError{Message: fmt.Sprintf("Field '%s' doesn't exist on type '%s'", f.name, typ), Code: "undefinedField", line: f.line, col: f.col}
		}
		switch {
		case ft == "" && f.sel != nil:
			return &gqlError{Message: fmt.Sprintf("Selections can't be made on scalars (field '%s' returns a scalar but has selections)", f.name), Code: "selectionMismatch", line: f.line, col: f.col}
		case ft != "" && f.sel == nil:
			return &gqlError{Message: fmt.Sprintf("Field must have selections (field '%s' returns %s but has no selections. Did you mean '%s { ... }'?)", f.name, ft, f.name), Code: "selectionMismatch", line: f.line, col: f.col}
		case ft != "":
			if err := validateSelection(ft, f.sel); err != nil {
				return err
			}
		}
	}
	return nil
}

// queryCost is what a query requests, in points, as Shopify calculates it before running
// it: 0 for a scalar, 1 for an object, for a connection 2 plus, for each item its first
// or last argument asks for, what one item costs; a mutation costs 10, and
// inventorySetQuantities the configured base plus a share per quantity. It also checks the
// connections' page arguments, which the cost depends on. The caller holds s.mu.
func (s *Server) queryCost(kind string, sel []*gqlField, vars map[string]any) (int, *gqlError) {
	cost := 0
	for _, f := range sel {
		if kind == "mutation" {
			switch f.name {
			case "inventorySetQuantities":
				in, _ := resolve(f.args["input"], vars)
				cost += s.invCostBase + s.invCostPer*len(asList(asMap(in)["quantities"]))
			case "__typename":
			default:
				cost += 10
			}
			continue
		}
		c, err := fieldCost("QueryRoot", f, vars)
		if err != nil {
			return 0, err
		}
		cost += c
	}
	return cost, nil
}

// fieldCost is what one selected field of typ costs.
func fieldCost(typ string, f *gqlField, vars map[string]any) (int, *gqlError) {
	ft := gqlSchema[typ][f.name]
	switch {
	case ft == "":
		return 0, nil
	case strings.HasSuffix(ft, "Connection"):
		n, err := pageSize(f, vars)
		if err != nil {
			return 0, err
		}
		per, err := itemCost(ft, f.sel, vars)
		return 2 + n*per, err
	}
	return objectCost(ft, f.sel, vars)
}

// objectCost is 1 for the object and what its fields cost.
func objectCost(typ string, sel []*gqlField, vars map[string]any) (int, *gqlError) {
	cost := 1
	for _, f := range sel {
		c, err := fieldCost(typ, f, vars)
		if err != nil {
			return 0, err
		}
		cost += c
	}
	return cost, nil
}

// itemCost is what one item of a connection costs: its node, whether asked through edges or
// nodes (the edge itself and pageInfo are part of the connection's 2).
func itemCost(connType string, sel []*gqlField, vars map[string]any) (int, *gqlError) {
	nodeType := gqlSchema[connType]["nodes"]
	per := 0
	for _, f := range sel {
		var nodeSel []*gqlField
		switch f.name {
		case "nodes":
			nodeSel = f.sel
		case "edges":
			nodeSel = connectionNodeSelection([]*gqlField{f})
		default:
			continue
		}
		if nodeSel == nil {
			continue
		}
		c, err := objectCost(nodeType, nodeSel, vars)
		if err != nil {
			return 0, err
		}
		per = max(per, c)
	}
	return per, nil
}

// SetInventoryCost sets what one inventorySetQuantities costs in GraphQL points: base, plus
// perQuantity for each quantity it carries. The default, 10 and 0, is what secondary
// sources give for a mutation [unverified]; a benchmark can ask what a dearer mutation
// would cost.
func (s *Server) SetInventoryCost(base, perQuantity int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.invCostBase, s.invCostPer = base, perQuantity
}

// omap is a JSON object that keeps its keys in selection order, as GraphQL answers do.
type omap []kv

type kv struct {
	k string
	v any
}

func (m omap) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, e := range m {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(e.k)
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(e.v)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// project keeps what a selection asks for, under its aliases.
func project(v any, typ string, sel []*gqlField) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(omap, 0, len(sel))
		for _, f := range sel {
			if f.name == "__typename" {
				out = append(out, kv{f.key(), typ})
				continue
			}
			val := x[f.name]
			if f.sel != nil && val != nil {
				val = project(val, gqlSchema[typ][f.name], f.sel)
			}
			out = append(out, kv{f.key(), val})
		}
		return out
	case []any:
		out := make([]any, 0, len(x))
		for _, e := range x {
			out = append(out, project(e, typ, sel))
		}
		return out
	}
	return v
}

func (s *Server) handleGraphQL(w http.ResponseWriter, r *apiRequest) {
	var body struct {
		Query         string         `json:"query"`
		Variables     map[string]any `json:"variables"`
		OperationName string         `json:"operationName"`
	}
	ct := strings.ToLower(r.Header.Get("Content-Type"))
	switch {
	case isJSON(ct):
		d := json.NewDecoder(r.Body)
		d.UseNumber()
		if err := d.Decode(&body); err != nil {
			writeErrors(w, http.StatusBadRequest, "The request body is not valid JSON")
			return
		}
	case strings.HasPrefix(ct, "application/graphql"):
		b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			writeErrors(w, http.StatusBadRequest, "Could not read the request body")
			return
		}
		body.Query = string(b)
	default:
		writeErrors(w, http.StatusBadRequest, "Content-Type must be application/json or application/graphql")
		return
	}
	gqlErrs := func(errs ...*gqlError) {
		list := make([]any, 0, len(errs))
		for _, e := range errs {
			list = append(list, e.body())
		}
		writeJSON(w, http.StatusOK, map[string]any{"errors": list})
	}

	doc, err := parseGraphQL(body.Query)
	if err != nil {
		gqlErrs(err.(*gqlError))
		return
	}
	var op *gqlOp
	for _, o := range doc.ops {
		if body.OperationName == "" && len(doc.ops) == 1 || o.name == body.OperationName {
			op = o
		}
	}
	if op == nil {
		gqlErrs(&gqlError{Message: "An operation name is required", noLocation: true})
		return
	}
	fields := make([]string, 0, len(op.sel))
	for _, f := range op.sel {
		fields = append(fields, f.name)
	}
	s.updateLogged(r.seq, func(lr *Request) { lr.GraphQL = op.kind + " " + strings.Join(fields, " ") })
	vars := map[string]any{}
	for k, v := range body.Variables {
		vars[k] = v
	}
	for _, vd := range op.vars {
		if _, ok := vars[vd.name]; !ok && vd.hasDef {
			vars[vd.name] = vd.def
		}
		if strings.HasSuffix(vd.typ, "!") && vars[vd.name] == nil {
			gqlErrs(&gqlError{Message: fmt.Sprintf("Variable $%s of type %s was provided invalid value", vd.name, vd.typ), Code: "INVALID_VARIABLE", noLocation: true})
			return
		}
	}
	root := "QueryRoot"
	if op.kind == "mutation" {
		root = "Mutation"
	}
	for _, f := range op.sel {
		if since, ok := gqlSince[root+"."+f.name]; ok && !versionAtLeast(r.version, since) {
			gqlErrs(&gqlError{Message: fmt.Sprintf("Field '%s' doesn't exist on type '%s'", f.name, root), Code: "undefinedField", line: f.line, col: f.col})
			return
		}
	}
	if err := validateSelection(root, op.sel); err != nil {
		gqlErrs(err)
		return
	}
	for _, f := range op.sel {
		if scope := graphqlScope(f.name); !s.hasScope(scope) {
			e := &gqlError{Message: fmt.Sprintf("Access denied for %s field. Required access: `%s` access scope.", f.name, scope),
				Code: "ACCESS_DENIED", line: f.line, col: f.col}
			gqlErrs(e)
			return
		}
	}
	s.mu.Lock()
	cost, costErr := s.queryCost(op.kind, op.sel, vars)
	s.mu.Unlock()
	if costErr != nil {
		gqlErrs(costErr)
		return
	}
	if cost > maxQueryCost {
		e := &gqlError{Message: fmt.Sprintf("Query cost is %d, which exceeds the single query max cost limit (%d).", cost, maxQueryCost), noLocation: true}
		b := e.body()
		b["extensions"] = map[string]any{"code": "MAX_COST_EXCEEDED", "cost": cost, "maxCost": maxQueryCost}
		writeJSON(w, http.StatusOK, map[string]any{"errors": []any{b}})
		return
	}

	s.mu.Lock()
	if !s.gql.take(s.clock.Now(), float64(cost)) {
		status := s.gql.status()
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{
			"errors": []any{map[string]any{"message": "Throttled", "extensions": map[string]any{
				"code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits",
			}}},
			"extensions": map[string]any{"cost": map[string]any{"requestedQueryCost": cost, "actualQueryCost": nil, "throttleStatus": status}},
		})
		return
	}
	data := make(omap, 0, len(op.sel))
	var hooks [][]byte
	var fieldErr *gqlError
	var searches []any
	refund := 0 // points of connection items asked for and not returned
	for _, f := range op.sel {
		var v any
		switch f.name {
		case "__typename":
			v = root
		case "productVariants":
			conn, n, search, err := s.productVariants(f, vars)
			if err != nil {
				fieldErr = err
				break
			}
			if search != nil {
				searches = append(searches, search.body())
			}
			asked, _ := pageSize(f, vars)
			per, _ := itemCost(gqlSchema[root][f.name], f.sel, vars)
			refund += (asked - n) * per
			v = project(conn, "ProductVariantConnection", f.sel)
		case "productVariantsCount":
			count, search, err := s.productVariantsCount(f, vars)
			if err != nil {
				fieldErr = err
				break
			}
			if search != nil {
				searches = append(searches, search.body())
			}
			v = project(count, "Count", f.sel)
		case "bulkOperation":
			v = project(s.bulkOperation(f, vars), "BulkOperation", f.sel)
		case "currentBulkOperation":
			v = project(s.currentBulkOperation(f, vars), "BulkOperation", f.sel)
		case "bulkOperationRunQuery":
			v = project(s.bulkOperationRunQuery(f, vars), "BulkOperationRunQueryPayload", f.sel)
		case "shop":
			v = project(map[string]any{
				"id": gid("Shop", s.st.shopID), "name": s.Shop, "myshopifyDomain": s.Domain(),
				"currencyCode": "USD", "ianaTimezone": "America/New_York",
			}, "Shop", f.sel)
		case "webhookSubscriptions":
			conn, n, err := s.webhookSubscriptions(f, vars)
			if err != nil {
				fieldErr = err
				break
			}
			asked, _ := pageSize(f, vars)
			per, _ := itemCost(gqlSchema[root][f.name], f.sel, vars)
			refund += (asked - n) * per
			v = project(conn, "WebhookSubscriptionConnection", f.sel)
		case "webhookSubscription":
			v = project(s.webhookSubscription(f, vars), "WebhookSubscription", f.sel)
		case "webhookSubscriptionCreate":
			payload, err := s.webhookSubscriptionCreate(f, vars, r.version)
			if err != nil {
				fieldErr = err
				break
			}
			v = project(payload, "WebhookSubscriptionCreatePayload", f.sel)
		case "webhookSubscriptionUpdate":
			v = project(s.webhookSubscriptionUpdate(f, vars, r.version), "WebhookSubscriptionUpdatePayload", f.sel)
		case "webhookSubscriptionDelete":
			v = project(s.webhookSubscriptionDelete(f, vars), "WebhookSubscriptionDeletePayload", f.sel)
		case "inventorySetQuantities":
			payload, changed, err := s.inventorySetQuantities(f, vars, r.version)
			if err != nil {
				fieldErr = err
			}
			hooks = append(hooks, changed...)
			v = project(payload, "InventorySetQuantitiesPayload", f.sel)
		}
		data = append(data, kv{f.key(), v})
	}
	// Shopify charges what a query requests and gives back what it did not use.
	actual := cost - refund
	s.gql.refund(float64(refund))
	status := s.gql.status()
	s.mu.Unlock()
	if fieldErr != nil {
		gqlErrs(fieldErr)
		return
	}
	for _, h := range hooks {
		s.hooks.send(s.Domain(), s.newest, "inventory_levels/update", h, s.clock.Now())
	}
	ext := map[string]any{"cost": map[string]any{"requestedQueryCost": cost, "actualQueryCost": actual, "throttleStatus": status}}
	if len(searches) > 0 {
		// [unverified] the exact shape; Shopify reports ignored search terms here.
		ext["search"] = searches
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": data, "extensions": ext})
}

// userError is one entry of a payload's userErrors.
func userError(code any, message string, field ...string) map[string]any {
	f := make([]any, 0, len(field))
	for _, p := range field {
		f = append(f, p)
	}
	return map[string]any{"code": code, "field": f, "message": message}
}

// inventorySetQuantities runs the mutation. The request is checked whole first and applied
// only when nothing is wrong with it (the simulator's assumption: Shopify documents no
// partial application). It returns the payload, the REST documents of the levels that
// changed (for webhooks), or a top-level error. The caller holds s.mu.
func (s *Server) inventorySetQuantities(f *gqlField, vars map[string]any, version string) (map[string]any, [][]byte, *gqlError) {
	fail := func(msg, code string) (map[string]any, [][]byte, *gqlError) {
		return nil, nil, &gqlError{Message: msg, Code: code, line: f.line, col: f.col}
	}
	var key string
	hasKey := false
	for _, d := range f.dirs {
		if d.name != "idempotent" {
			return fail(fmt.Sprintf("Directive '%s' is not defined", d.name), "undefinedDirective")
		}
		if !versionAtLeast(version, "2026-01") {
			return fail("Directive 'idempotent' is not defined", "undefinedDirective")
		}
		v, _ := resolve(d.args["key"], vars)
		key, hasKey = asString(v), true
		if key == "" {
			return fail("Directive 'idempotent' needs a non-empty key", "argumentLiteralsIncompatible")
		}
	}
	if !hasKey && versionAtLeast(version, "2026-04") {
		// [unverified] the exact wording; the requirement is documented.
		return fail("An idempotency key is required for this mutation: add @idempotent(key: \"…\")", "BAD_REQUEST")
	}
	rawInput, ok := resolve(f.args["input"], vars)
	input := asMap(rawInput)
	if !ok || input == nil {
		return fail("Field 'inventorySetQuantities' is missing required arguments: input", "missingRequiredArguments")
	}
	quantities := asList(input["quantities"])
	if len(quantities) > maxInputArray {
		return fail(fmt.Sprintf("The input array size of %d is greater than the maximum allowed of %d.", len(quantities), maxInputArray), "MAX_INPUT_SIZE_EXCEEDED")
	}
	if !versionAtLeast(version, "2025-10") {
		for i, q := range quantities {
			if _, ok := asMap(q)["changeFromQuantity"]; ok {
				return fail(fmt.Sprintf("Variable $input of type InventorySetQuantitiesInput! was provided invalid value for quantities.%d.changeFromQuantity (Field is not defined on InventoryQuantityInput)", i), "INVALID_VARIABLE")
			}
		}
	}

	var hash [32]byte
	if hasKey {
		canon, _ := json.Marshal(input)
		hash = sha256.Sum256(canon)
		if e, ok := s.idem[key]; ok {
			if e.hash == hash {
				return e.payload, nil, nil
			}
			return map[string]any{"inventoryAdjustmentGroup": nil, "userErrors": []any{
				userError("IDEMPOTENCY_KEY_PARAMETER_MISMATCH", "The same idempotency key cannot be used with different operation parameters."),
			}}, nil, nil
		}
	}

	name, reason := asString(input["name"]), asString(input["reason"])
	var errs []any
	if name != "available" && name != "on_hand" {
		errs = append(errs, userError("INVALID_NAME", "The quantity name must be either 'available' or 'on_hand'.", "input", "name"))
	}
	if !slices.Contains(inventoryReasons, reason) {
		errs = append(errs, userError("INVALID_REASON", "The specified reason is invalid.", "input", "reason"))
	}
	ignoreCompare := asBool(input["ignoreCompareQuantity"], false)
	type change struct {
		k      levelKey
		before int
		after  int
	}
	var changes []change
	seen := map[levelKey]bool{}
	for i, qv := range quantities {
		q := asMap(qv)
		at := func(field string) []string { return []string{"input", "quantities", strconv.Itoa(i), field} }
		item, okItem := parseGID(asString(q["inventoryItemId"]), "InventoryItem")
		loc, okLoc := parseGID(asString(q["locationId"]), "Location")
		qty, okQty := asInt64(q["quantity"])
		switch {
		case !okItem || s.st.items[item] == nil:
			errs = append(errs, userError("INVALID_INVENTORY_ITEM", "The specified inventory item could not be found.", at("inventoryItemId")...))
			continue
		case !okLoc || s.st.locations[loc] == nil:
			errs = append(errs, userError("INVALID_LOCATION", "The specified location could not be found.", at("locationId")...))
			continue
		case !okQty:
			return fail(fmt.Sprintf("Variable $input of type InventorySetQuantitiesInput! was provided invalid value for quantities.%d.quantity (Expected value to not be null)", i), "INVALID_VARIABLE")
		case qty < 0:
			errs = append(errs, userError("INVALID_QUANTITY_NEGATIVE", "The quantity can't be negative.", at("quantity")...))
			continue
		case qty > maxQuantity:
			errs = append(errs, userError("INVALID_QUANTITY_TOO_HIGH", "The total quantity can't be higher than 1,000,000,000.", at("quantity")...))
			continue
		}
		k := levelKey{item, loc}
		lv := s.st.levels[k]
		if lv == nil {
			errs = append(errs, userError("ITEM_NOT_STOCKED_AT_LOCATION", "The specified inventory item is not stocked at the location.", at("locationId")...))
			continue
		}
		if seen[k] {
			errs = append(errs, userError("NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR", "The combination of inventoryItemId and locationId must be unique.", at("inventoryItemId")...))
			continue
		}
		seen[k] = true
		changeFrom, hasChangeFrom := q["changeFromQuantity"]
		compare, hasCompare := q["compareQuantity"]
		if versionAtLeast(version, "2026-04") {
			if !hasChangeFrom {
				// [unverified] the code; the rule ("omitting it returns an error") is documented.
				errs = append(errs, userError(nil, "changeFromQuantity is required for each quantity; pass null to opt out of the check.", at("changeFromQuantity")...))
				continue
			}
			if n, ok := asInt64(changeFrom); changeFrom != nil && (!ok || int(n) != lv.available) {
				errs = append(errs, userError("CHANGE_FROM_QUANTITY_STALE", "The changeFromQuantity value does not match persisted value.", at("changeFromQuantity")...))
				continue
			}
		} else if !ignoreCompare {
			expect, given := compare, hasCompare && compare != nil
			if !given && hasChangeFrom && changeFrom != nil {
				expect, given = changeFrom, true
			}
			if !given {
				errs = append(errs, userError("COMPARE_QUANTITY_REQUIRED", "The compareQuantity argument must be given to each quantity or ignored using ignoreCompareQuantity.", at("compareQuantity")...))
				continue
			}
			if n, ok := asInt64(expect); !ok || int(n) != lv.available {
				errs = append(errs, userError("COMPARE_QUANTITY_STALE", "The compareQuantity value does not match persisted value.", at("compareQuantity")...))
				continue
			}
		}
		changes = append(changes, change{k: k, before: lv.available, after: int(qty)})
	}

	var payload map[string]any
	var hooks [][]byte
	if len(errs) > 0 {
		payload = map[string]any{"inventoryAdjustmentGroup": nil, "userErrors": errs}
	} else {
		list := make([]any, 0, len(changes))
		for _, c := range changes {
			loc := s.st.locations[c.k.loc]
			list = append(list, map[string]any{
				"name": name, "delta": c.after - c.before, "quantityAfterChange": c.after, "ledgerDocumentUri": nil,
				"item":     map[string]any{"id": gid("InventoryItem", c.k.item), "sku": s.st.items[c.k.item].sku, "tracked": true},
				"location": map[string]any{"id": gid("Location", c.k.loc), "name": loc.name},
			})
			if c.after != c.before {
				hooks = append(hooks, s.setLevel(c.k.item, c.k.loc, c.after))
			}
		}
		payload = map[string]any{
			"inventoryAdjustmentGroup": map[string]any{
				"id": gid("InventoryAdjustmentGroup", s.st.newID()), "createdAt": s.clock.Now().UTC().Format(time.RFC3339),
				"reason": reason, "referenceDocumentUri": input["referenceDocumentUri"], "changes": list,
			},
			"userErrors": []any{},
		}
	}
	if hasKey {
		if len(s.idemOrder) >= maxIdempotencyKeys {
			delete(s.idem, s.idemOrder[0])
			s.idemOrder = s.idemOrder[1:]
		}
		s.idem[key] = idemEntry{hash: hash, payload: payload}
		s.idemOrder = append(s.idemOrder, key)
	}
	return payload, hooks, nil
}
