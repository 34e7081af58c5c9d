package shopifytest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"
)

type product struct {
	id        int64
	updatedAt time.Time
	raw       []byte
	variants  []int64
}

type variant struct {
	id, productID, inventoryItemID int64
	sku, title, productTitle       string
	tracked                        bool
	createdAt, updatedAt           time.Time
}

type location struct {
	id     int64
	name   string
	active bool
	doc    map[string]any
}

type levelKey struct{ item, loc int64 }

type level struct {
	available int
	updatedAt time.Time
}

// Location is a place stock is kept and orders ship from.
type Location struct {
	ID     int64
	Name   string
	Active bool
}

// Variant is a product variant with its SKU and inventory item.
type Variant struct {
	ID              int64
	ProductID       int64
	InventoryItemID int64
	SKU             string
	Title           string
	ProductTitle    string
	// Tracked is false when Shopify does not track the variant's stock
	// (inventory_management null).
	Tracked   bool
	UpdatedAt time.Time
}

// InventoryLevel is the available quantity of an inventory item at a location.
type InventoryLevel struct {
	InventoryItemID int64
	LocationID      int64
	Available       int
	UpdatedAt       time.Time
}

// --- locations ----------------------------------------------------------------------

// putLocation stores a location document. The caller holds s.mu.
func (s *Server) putLocation(doc map[string]any) int64 {
	st := &s.st
	id, ok := asInt64(doc["id"])
	if !ok || id <= 0 {
		id = st.newID()
		doc["id"] = id
	}
	st.seenID(id)
	now := s.stamp(s.now())
	setDefault(doc, "name", "Location "+strconv.FormatInt(id, 10))
	setDefault(doc, "active", true)
	setDefault(doc, "legacy", false)
	setDefault(doc, "admin_graphql_api_id", gid("Location", id))
	setDefault(doc, "created_at", now)
	setDefault(doc, "updated_at", now)
	for _, k := range []string{"address1", "address2", "city", "zip", "province", "country", "phone", "country_code", "country_name", "province_code"} {
		setDefault(doc, k, nil)
	}
	if _, exists := st.locations[id]; !exists {
		st.locationIDs = append(st.locationIDs, id)
	}
	st.locations[id] = &location{id: id, name: asString(doc["name"]), active: asBool(doc["active"], true), doc: doc}
	return id
}

// addDefaultLocation creates the location a shop always has, for orders that arrive before
// any location was seeded. The caller holds s.mu.
func (s *Server) addDefaultLocation() int64 {
	return s.putLocation(map[string]any{"name": "Shop location", "country_code": "US", "country": "United States"})
}

// AddLocation adds an active location called name and returns its id.
func (s *Server) AddLocation(name string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.putLocation(map[string]any{"name": name})
}

// Locations returns every location, in the order they were added.
func (s *Server) Locations() []Location {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Location, 0, len(s.st.locationIDs))
	for _, id := range s.st.locationIDs {
		l := s.st.locations[id]
		out = append(out, Location{ID: l.id, Name: l.name, Active: l.active})
	}
	return out
}

func (s *Server) handleListLocations(w http.ResponseWriter, _ *apiRequest) {
	s.mu.Lock()
	docs := make([]any, 0, len(s.st.locationIDs))
	for _, id := range s.st.locationIDs {
		docs = append(docs, s.st.locations[id].doc)
	}
	b, err := json.Marshal(map[string]any{"locations": docs})
	s.mu.Unlock()
	if err != nil {
		writeErrors(w, http.StatusInternalServerError, "Internal Server Error")
		return
	}
	writeRaw(w, http.StatusOK, b)
}

func (s *Server) handleGetLocation(w http.ResponseWriter, _ *apiRequest, id int64) {
	s.mu.Lock()
	l := s.st.locations[id]
	var b []byte
	if l != nil {
		b, _ = json.Marshal(map[string]any{"location": l.doc})
	}
	s.mu.Unlock()
	if l == nil {
		writeErrors(w, http.StatusNotFound, "Not Found")
		return
	}
	writeRaw(w, http.StatusOK, b)
}

// --- products -----------------------------------------------------------------------

// maxVariantsPerProduct is the most variants a product may have (Shopify raised it from 100
// to 2,048 with the new product model).
const maxVariantsPerProduct = 2048

// putProduct stores a product document with its variants, filling ids Shopify would have
// given, and stocks each tracked variant at every active location that does not stock it
// yet (its inventory_quantity at the first, 0 elsewhere). A variant's created_at and
// updated_at come from the document when it has them, else they are now. The caller holds
// s.mu.
func (s *Server) putProduct(doc map[string]any) (int64, error) {
	st := &s.st
	if n := len(asList(doc["variants"])); n > maxVariantsPerProduct {
		return 0, fmt.Errorf("a product has %d variants; Shopify allows at most %d", n, maxVariantsPerProduct)
	}
	id, ok := asInt64(doc["id"])
	if !ok || id <= 0 {
		id = st.newID()
		doc["id"] = id
	}
	st.seenID(id)
	now := s.stamp(s.now())
	setDefault(doc, "title", "Product "+strconv.FormatInt(id, 10))
	setDefault(doc, "status", "active")
	setDefault(doc, "admin_graphql_api_id", gid("Product", id))
	setDefault(doc, "created_at", now)
	setDefault(doc, "updated_at", now)
	if old := st.products[id]; old != nil {
		for _, vid := range old.variants {
			s.dropVariant(vid)
		}
	}
	p := &product{id: id}
	if asList(doc["variants"]) == nil {
		doc["variants"] = []any{}
	}
	for _, x := range asList(doc["variants"]) {
		vd := asMap(x)
		if vd == nil {
			return 0, fmt.Errorf("product %d: a variant is not an object", id)
		}
		vid, ok := asInt64(vd["id"])
		if !ok || vid <= 0 {
			vid = st.newID()
			vd["id"] = vid
		}
		st.seenID(vid)
		item, ok := asInt64(vd["inventory_item_id"])
		if !ok || item <= 0 {
			item = st.newID()
			vd["inventory_item_id"] = item
		}
		st.seenID(item)
		vd["product_id"] = id
		setDefault(vd, "admin_graphql_api_id", gid("ProductVariant", vid))
		setDefault(vd, "inventory_management", "shopify")
		setDefault(vd, "sku", "")
		setDefault(vd, "title", "Default Title")
		setDefault(vd, "created_at", now)
		setDefault(vd, "updated_at", now)
		v := &variant{
			id: vid, productID: id, inventoryItemID: item, sku: asString(vd["sku"]), title: asString(vd["title"]),
			productTitle: asString(doc["title"]), tracked: vd["inventory_management"] != nil,
			createdAt: asTime(vd["created_at"]).UTC(), updatedAt: asTime(vd["updated_at"]).UTC(),
		}
		st.variants[vid] = v
		st.variantIDs = insertSorted(st.variantIDs, vid)
		st.items[item] = v
		p.variants = append(p.variants, vid)
		if v.tracked {
			first := true
			for _, loc := range st.locationIDs {
				if !st.locations[loc].active {
					continue
				}
				k := levelKey{item, loc}
				if st.levels[k] == nil {
					qty := 0
					if first {
						qty = asInt(vd["inventory_quantity"])
					}
					st.levels[k] = &level{available: qty, updatedAt: s.now()}
				}
				first = false
			}
		}
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		return 0, fmt.Errorf("encode product %d: %w", id, err)
	}
	p.raw, p.updatedAt = raw, asTime(doc["updated_at"])
	if st.products[id] == nil {
		st.productIDs = insertSorted(st.productIDs, id)
	}
	st.products[id] = p
	return id, nil
}

// dropVariant forgets a variant and its inventory item (its levels stay, as Shopify keeps
// the history; nothing reads them without the item). The caller holds s.mu.
func (s *Server) dropVariant(vid int64) {
	st := &s.st
	if v := st.variants[vid]; v != nil {
		delete(st.items, v.inventoryItemID)
	}
	delete(st.variants, vid)
	st.variantIDs = removeSorted(st.variantIDs, vid)
}

// AddProduct stores a product given as Shopify's REST product JSON (the object or
// {"product": …}) and returns its id.
func (s *Server) AddProduct(productJSON []byte) (int64, error) {
	doc, err := decodeDoc(productJSON)
	if err != nil {
		return 0, fmt.Errorf("decode product: %w", err)
	}
	if inner := asMap(doc["product"]); inner != nil && len(doc) == 1 {
		doc = inner
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.putProduct(doc)
}

// SetVariantSKU gives a variant another SKU, as a merchant editing it in the admin would:
// the variant's updatedAt becomes now.
func (s *Server) SetVariantSKU(variantID int64, sku string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.st.variants[variantID]
	if v == nil {
		return fmt.Errorf("variant %d: %w", variantID, errNotFound)
	}
	p := s.st.products[v.productID]
	doc, err := decodeDoc(p.raw)
	if err != nil {
		return fmt.Errorf("decode product %d: %w", p.id, err)
	}
	now := s.now()
	for _, x := range asList(doc["variants"]) {
		vd := asMap(x)
		if id, _ := asInt64(vd["id"]); id == variantID {
			vd["sku"], vd["updated_at"] = sku, s.stamp(now)
		}
	}
	doc["updated_at"] = s.stamp(now)
	raw, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("encode product %d: %w", p.id, err)
	}
	v.sku, v.updatedAt = sku, now.UTC()
	p.raw, p.updatedAt = raw, now
	return nil
}

// DeleteProduct deletes a product and its variants. Shopify's searches no longer find them;
// nothing tells a client that reads only what changed.
func (s *Server) DeleteProduct(productID int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.st.products[productID]
	if p == nil {
		return fmt.Errorf("product %d: %w", productID, errNotFound)
	}
	for _, vid := range p.variants {
		s.dropVariant(vid)
	}
	delete(s.st.products, productID)
	s.st.productIDs = removeSorted(s.st.productIDs, productID)
	return nil
}

// Variants returns every variant, by id.
func (s *Server) Variants() []Variant {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Variant, 0, len(s.st.variantIDs))
	for _, id := range s.st.variantIDs {
		v := s.st.variants[id]
		out = append(out, Variant{
			ID: v.id, ProductID: v.productID, InventoryItemID: v.inventoryItemID, SKU: v.sku, Title: v.title,
			ProductTitle: v.productTitle, Tracked: v.tracked, UpdatedAt: v.updatedAt,
		})
	}
	return out
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// productRESTVariants is how many variants REST shows per product: it never returns more.
const productRESTVariants = 100

func productForREST(raw []byte, fields []string) []byte {
	doc, err := decodeDoc(raw)
	if err != nil {
		return raw
	}
	if vs := asList(doc["variants"]); len(vs) > productRESTVariants {
		doc["variants"] = vs[:productRESTVariants]
	}
	b, _ := json.Marshal(doc)
	return onlyFields(b, fields)
}

// handleListProducts serves REST products.json, deprecated since 2024-04 and capped at 100
// variants per product. passthrough reads the catalog through GraphQL; this stays only as
// the yardstick the catalog benchmark measures the GraphQL read against.
func (s *Server) handleListProducts(w http.ResponseWriter, r *apiRequest) {
	filter, cur, limit, fields, errs := listParams(r.URL.Query(), "products")
	var ids map[int64]bool
	if v := filter.Get("ids"); v != "" {
		ids = map[int64]bool{}
		for _, p := range splitList(v) {
			n, err := strconv.ParseInt(p, 10, 64)
			if err != nil {
				errs["ids"] = "must be a comma-separated list of ids"
			}
			ids[n] = true
		}
	}
	sinceID, _ := strconv.ParseInt(filter.Get("since_id"), 10, 64)
	updMin := parseTimeParam(filter, "updated_at_min", errs)
	updMax := parseTimeParam(filter, "updated_at_max", errs)
	statuses := splitList(filter.Get("status"))
	if len(errs) > 0 {
		writeErrors(w, http.StatusBadRequest, errs)
		return
	}
	s.mu.Lock()
	rows := make([]row[*product], 0, len(s.st.productIDs))
	for _, id := range s.st.productIDs {
		p := s.st.products[id]
		if (ids != nil && !ids[id]) || id <= sinceID || !inWindow(p.updatedAt, updMin, updMax) {
			continue
		}
		if len(statuses) > 0 {
			doc, _ := decodeDoc(p.raw)
			if !slices.Contains(statuses, asString(doc["status"])) {
				continue
			}
		}
		rows = append(rows, row[*product]{k: id, i: id, v: p})
	}
	page, hasNext, hasPrev := paginate(rows, cur, limit)
	var buf bytes.Buffer
	buf.WriteString(`{"products":[`)
	for i, rw := range page {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(productForREST(rw.v.raw, fields))
	}
	buf.WriteString(`]}`)
	s.mu.Unlock()
	if l := pageLinks(s, r, "products", filter, page, hasNext, hasPrev, limit, r.URL.Query().Get("fields")); l != "" {
		w.Header().Set("Link", l)
	}
	writeRaw(w, http.StatusOK, buf.Bytes())
}

// --- inventory levels ---------------------------------------------------------------

// InventoryLevel returns an item's available quantity at a location, and whether the item
// is stocked there.
func (s *Server) InventoryLevel(itemID, locationID int64) (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.st.levels[levelKey{itemID, locationID}]
	if l == nil {
		return 0, false
	}
	return l.available, true
}

// InventoryLevels returns every level, by item then location.
func (s *Server) InventoryLevels() []InventoryLevel {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]InventoryLevel, 0, len(s.st.levels))
	for k, l := range s.st.levels {
		out = append(out, InventoryLevel{InventoryItemID: k.item, LocationID: k.loc, Available: l.available, UpdatedAt: l.updatedAt})
	}
	slices.SortFunc(out, func(a, b InventoryLevel) int {
		if c := cmpInt64(a.InventoryItemID, b.InventoryItemID); c != 0 {
			return c
		}
		return cmpInt64(a.LocationID, b.LocationID)
	})
	return out
}

// SetInventoryLevel sets an item's available quantity at a location, stocking it there if
// it was not, and sends inventory_levels/update.
func (s *Server) SetInventoryLevel(itemID, locationID int64, available int) error {
	s.mu.Lock()
	if s.st.items[itemID] == nil || s.st.locations[locationID] == nil {
		s.mu.Unlock()
		return fmt.Errorf("inventory item %d at location %d: %w", itemID, locationID, errNotFound)
	}
	body := s.setLevel(itemID, locationID, available)
	s.mu.Unlock()
	s.hooks.send(s.Domain(), s.newest, "inventory_levels/update", body, s.clock.Now())
	return nil
}

// setLevel writes a level and returns its REST document. The caller holds s.mu.
func (s *Server) setLevel(item, loc int64, available int) []byte {
	k := levelKey{item, loc}
	l := s.st.levels[k]
	if l == nil {
		l = &level{}
		s.st.levels[k] = l
	}
	l.available, l.updatedAt = available, s.now()
	b, _ := json.Marshal(s.levelDoc(k, l))
	return b
}

func (s *Server) levelDoc(k levelKey, l *level) map[string]any {
	return map[string]any{
		"inventory_item_id": k.item, "location_id": k.loc, "available": l.available,
		"updated_at":           s.stamp(l.updatedAt),
		"admin_graphql_api_id": fmt.Sprintf("gid://shopify/InventoryLevel/%d?inventory_item_id=%d", k.loc, k.item),
	}
}

// maxListIDs is how many ids inventory_levels.json takes in each of its lists.
const maxListIDs = 50

func (s *Server) handleListInventoryLevels(w http.ResponseWriter, r *apiRequest) {
	filter, cur, limit, _, errs := listParams(r.URL.Query(), "inventory_levels")
	parseIDs := func(name string) map[int64]bool {
		v := filter.Get(name)
		if v == "" {
			return nil
		}
		parts := splitList(v)
		if len(parts) > maxListIDs {
			errs[name] = []string{fmt.Sprintf("Too many ids: %d given, at most %d allowed", len(parts), maxListIDs)}
		}
		ids := map[int64]bool{}
		for _, p := range parts {
			n, err := strconv.ParseInt(p, 10, 64)
			if err != nil {
				errs[name] = []string{"must be a comma-separated list of ids"}
			}
			ids[n] = true
		}
		return ids
	}
	items, locs := parseIDs("inventory_item_ids"), parseIDs("location_ids")
	updMin := parseTimeParam(filter, "updated_at_min", errs)
	if len(errs) > 0 {
		writeErrors(w, http.StatusBadRequest, errs)
		return
	}
	if items == nil && locs == nil {
		writeErrors(w, http.StatusUnprocessableEntity, []string{"inventory_item_ids or location_ids must be given"})
		return
	}
	s.mu.Lock()
	rows := make([]row[map[string]any], 0, 64)
	for k, l := range s.st.levels {
		if (items != nil && !items[k.item]) || (locs != nil && !locs[k.loc]) || (!updMin.IsZero() && l.updatedAt.Before(updMin)) {
			continue
		}
		rows = append(rows, row[map[string]any]{k: k.item, i: k.loc, v: s.levelDoc(k, l)})
	}
	s.mu.Unlock()
	slices.SortFunc(rows, func(a, b row[map[string]any]) int {
		if rowLess(a, b) {
			return -1
		}
		if rowLess(b, a) {
			return 1
		}
		return 0
	})
	page, hasNext, hasPrev := paginate(rows, cur, limit)
	docs := make([]any, 0, len(page))
	for _, rw := range page {
		docs = append(docs, rw.v)
	}
	if l := pageLinks(s, r, "inventory_levels", filter, page, hasNext, hasPrev, limit, ""); l != "" {
		w.Header().Set("Link", l)
	}
	writeJSON(w, http.StatusOK, map[string]any{"inventory_levels": docs})
}

func (s *Server) handleSetInventoryLevel(w http.ResponseWriter, r *apiRequest) {
	var body struct {
		LocationID      json.Number `json:"location_id"`
		InventoryItemID json.Number `json:"inventory_item_id"`
		Available       json.Number `json:"available"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeErrors(w, http.StatusBadRequest, map[string]any{"base": "The request body is not valid JSON"})
		return
	}
	item, err1 := body.InventoryItemID.Int64()
	loc, err2 := body.LocationID.Int64()
	avail, err3 := body.Available.Int64()
	switch {
	case err1 != nil:
		writeErrors(w, http.StatusBadRequest, map[string]any{"inventory_item_id": "Required parameter missing or invalid"})
		return
	case err2 != nil:
		writeErrors(w, http.StatusBadRequest, map[string]any{"location_id": "Required parameter missing or invalid"})
		return
	case err3 != nil:
		writeErrors(w, http.StatusBadRequest, map[string]any{"available": "Required parameter missing or invalid"})
		return
	case avail > maxQuantity || avail < -maxQuantity:
		writeErrors(w, http.StatusUnprocessableEntity, []string{"Available must be less than or equal to 1000000000"})
		return
	}
	s.mu.Lock()
	v, l := s.st.items[item], s.st.locations[loc]
	var doc []byte
	if v != nil && l != nil && v.tracked {
		doc = s.setLevel(item, loc, int(avail)) // REST set stocks the item at the location if needed
	}
	s.mu.Unlock()
	switch {
	case v == nil:
		writeErrors(w, http.StatusUnprocessableEntity, []string{"Inventory item does not exist"})
		return
	case l == nil:
		writeErrors(w, http.StatusUnprocessableEntity, []string{"Location does not exist"})
		return
	case !v.tracked:
		writeErrors(w, http.StatusUnprocessableEntity, []string{"Inventory item does not have inventory tracking enabled"})
		return
	}
	s.hooks.send(s.Domain(), s.newest, "inventory_levels/update", doc, s.clock.Now())
	writeRaw(w, http.StatusOK, append(append([]byte(`{"inventory_level":`), doc...), '}'))
}

// maxQuantity is the largest quantity Shopify accepts.
const maxQuantity = 1_000_000_000
