package shopifytest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// store is the simulator's in-memory shop. Every field is guarded by Server.mu.
//
// Orders, products and locations are kept as the JSON documents Shopify would send, so a
// seeded payload is served back as it was loaded, plus the few fields the simulator filters
// and sorts on.
type store struct {
	nextID     int64 // ids for everything the simulator creates
	nextNumber int   // next order_number
	shopID     int64

	orders   map[int64]*order
	orderIDs []int64 // ascending

	fos          map[int64]*FulfillmentOrder
	fulfillments map[int64]int64 // fulfillment id → order id; the order's document holds it

	products   map[int64]*product
	productIDs []int64 // ascending
	variants   map[int64]*variant
	variantIDs []int64            // ascending: the order productVariants pages in
	items      map[int64]*variant // inventory item id → variant

	locations   map[int64]*location
	locationIDs []int64 // in the order they were added

	levels map[levelKey]*level
}

func newStore() store {
	return store{
		// Above 2^53, like the ids in Shopify's webhook samples, so a client that decodes
		// ids as float64 is caught.
		nextID:       1<<53 + 1000,
		nextNumber:   1001,
		shopID:       548380009,
		orders:       map[int64]*order{},
		fos:          map[int64]*FulfillmentOrder{},
		fulfillments: map[int64]int64{},
		products:     map[int64]*product{},
		variants:     map[int64]*variant{},
		items:        map[int64]*variant{},
		locations:    map[int64]*location{},
		levels:       map[levelKey]*level{},
	}
}

func (st *store) newID() int64 {
	st.nextID++
	return st.nextID
}

// seenID keeps generated ids clear of ids that came from seed files.
func (st *store) seenID(id int64) {
	if id >= st.nextID {
		st.nextID = id + 1
	}
}

// insertSorted adds id to an ascending slice, once.
func insertSorted(ids []int64, id int64) []int64 {
	i := sort.Search(len(ids), func(i int) bool { return ids[i] >= id })
	if i < len(ids) && ids[i] == id {
		return ids
	}
	ids = append(ids, 0)
	copy(ids[i+1:], ids[i:])
	ids[i] = id
	return ids
}

// removeSorted takes id out of an ascending slice.
func removeSorted(ids []int64, id int64) []int64 {
	i := sort.Search(len(ids), func(i int) bool { return ids[i] >= id })
	if i == len(ids) || ids[i] != id {
		return ids
	}
	return append(ids[:i], ids[i+1:]...)
}

// timeLayout is how Shopify writes times: seconds, with the shop's offset.
const timeLayout = "2006-01-02T15:04:05-07:00"

func (s *Server) stamp(t time.Time) string {
	return t.In(s.zone).Truncate(time.Second).Format(timeLayout)
}

func (s *Server) now() time.Time { return s.clock.Now().Truncate(time.Second) }

// --- JSON documents ---------------------------------------------------------------------

// decodeDoc decodes a JSON object keeping numbers exact (ids exceed 2^53).
func decodeDoc(b []byte) (map[string]any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, errors.New("not a JSON object")
	}
	return m, nil
}

func decodeAny(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

func asInt64(v any) (int64, bool) {
	switch n := v.(type) {
	case json.Number:
		i, err := n.Int64()
		if err != nil {
			f, ferr := n.Float64()
			if ferr != nil || f != float64(int64(f)) {
				return 0, false
			}
			return int64(f), true
		}
		return i, true
	case int64:
		return n, true
	case int:
		return int64(n), true
	case float64:
		if n == float64(int64(n)) {
			return int64(n), true
		}
	}
	return 0, false
}

func asInt(v any) int {
	n, _ := asInt64(v)
	return int(n)
}

func asString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	}
	return ""
}

func asBool(v any, def bool) bool {
	if b, ok := v.(bool); ok {
		return b
	}
	return def
}

func asTime(v any) time.Time {
	t, err := time.Parse(time.RFC3339, asString(v))
	if err != nil {
		return time.Time{}
	}
	return t
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// gid is a GraphQL global id.
func gid(kind string, id int64) string {
	return "gid://shopify/" + kind + "/" + strconv.FormatInt(id, 10)
}

// parseGID reads gid://shopify/{kind}/{id}.
func parseGID(s, kind string) (int64, bool) {
	rest, ok := strings.CutPrefix(s, "gid://shopify/"+kind+"/")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(rest, 10, 64)
	return n, err == nil && n > 0
}

// onlyFields keeps the top-level fields a `fields=` parameter names.
func onlyFields(raw []byte, fields []string) []byte {
	if len(fields) == 0 {
		return raw
	}
	doc, err := decodeDoc(raw)
	if err != nil {
		return raw
	}
	out := make(map[string]any, len(fields))
	for _, f := range fields {
		if v, ok := doc[f]; ok {
			out[f] = v
		}
	}
	b, _ := json.Marshal(out)
	return b
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// --- cursor pagination ------------------------------------------------------------------

// cursor is what a page_info token carries: the first request's filters and the row a page
// starts after (or, for rel="previous", ends before). Shopify's tokens are opaque too.
type cursor struct {
	Resource string     `json:"r"`
	Filter   url.Values `json:"f"`
	Key      int64      `json:"k"`
	ID       int64      `json:"i"`
	Before   bool       `json:"b,omitempty"`
}

func (c cursor) encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s, resource string) (cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, err
	}
	var c cursor
	if err := json.Unmarshal(b, &c); err != nil {
		return cursor{}, err
	}
	if c.Resource != resource {
		return cursor{}, fmt.Errorf("cursor of %s used for %s", c.Resource, resource)
	}
	return c, nil
}

// row is one item of a list in page order: rows sort ascending by (k, i), so a descending
// list stores negated values.
type row[T any] struct {
	k, i int64
	v    T
}

func rowLess[T any](a, b row[T]) bool { return a.k < b.k || (a.k == b.k && a.i < b.i) }

// paginate cuts one page out of rows (sorted in page order) after — or before — the cursor.
func paginate[T any](rows []row[T], c *cursor, limit int) (page []row[T], hasNext, hasPrev bool) {
	if c == nil {
		end := min(limit, len(rows))
		return rows[:end], end < len(rows), false
	}
	bound := row[T]{k: c.Key, i: c.ID}
	if c.Before {
		j := sort.Search(len(rows), func(n int) bool { return !rowLess(rows[n], bound) })
		start := max(0, j-limit)
		return rows[start:j], j < len(rows), start > 0
	}
	i := sort.Search(len(rows), func(n int) bool { return rowLess(bound, rows[n]) })
	end := min(i+limit, len(rows))
	return rows[i:end], end < len(rows), i > 0
}

// pageLinks builds the Link header for a page: rel="next" and rel="previous" URLs that carry
// page_info and limit (and fields when the request had them), as Shopify writes them.
func pageLinks[T any](s *Server, r *apiRequest, resource string, filter url.Values, page []row[T], hasNext, hasPrev bool, limit int, fields string) string {
	var links []string
	mk := func(at row[T], before bool) string {
		q := url.Values{}
		q.Set("limit", strconv.Itoa(limit))
		if fields != "" {
			q.Set("fields", fields) // Encode writes the commas as %2C, which clients need
		}
		q.Set("page_info", cursor{Resource: resource, Filter: filter, Key: at.k, ID: at.i, Before: before}.encode())
		return s.link(r, resource+".json", q)
	}
	if hasPrev && len(page) > 0 {
		links = append(links, "<"+mk(page[0], true)+`>; rel="previous"`)
	}
	if hasNext && len(page) > 0 {
		links = append(links, "<"+mk(page[len(page)-1], false)+`>; rel="next"`)
	}
	return strings.Join(links, ", ")
}

// listParams reads the parameters every paginated list shares and enforces the page_info
// rule: a request with page_info may carry only limit and fields. It returns the filters
// to apply (the cursor's, on later pages), the cursor, the limit and the fields.
func listParams(q url.Values, resource string) (filter url.Values, cur *cursor, limit int, fields []string, errs map[string]any) {
	errs = map[string]any{}
	limit = 50
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		// [unverified] Shopify's exact answer to limit > 250; the rule itself is documented.
		if err != nil || n < 1 || n > 250 {
			errs["limit"] = "must be a number between 1 and 250"
		}
		limit = n
	}
	fields = splitList(q.Get("fields"))
	if pi := q.Get("page_info"); pi != "" {
		for k := range q {
			if k != "page_info" && k != "limit" && k != "fields" {
				errs[k] = k + " cannot be passed when page_info is present. See https://shopify.dev/api/usage/pagination-rest for more information."
			}
		}
		c, err := decodeCursor(pi, resource)
		if err != nil {
			errs["page_info"] = "Invalid value."
			return nil, nil, limit, fields, errs
		}
		return c.Filter, &c, limit, fields, errs
	}
	filter = url.Values{}
	for k, v := range q {
		if k != "limit" && k != "fields" {
			filter[k] = v
		}
	}
	return filter, nil, limit, fields, errs
}

// parseTimeParam reads an ISO 8601 time filter; empty is no filter.
func parseTimeParam(filter url.Values, name string, errs map[string]any) time.Time {
	v := filter.Get(name)
	if v == "" {
		return time.Time{}
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t
		}
	}
	errs[name] = "must be an ISO 8601 time, e.g. 2014-04-25T16:15:47-04:00"
	return time.Time{}
}

func inWindow(t, min, max time.Time) bool {
	if !min.IsZero() && t.Before(min) {
		return false
	}
	if !max.IsZero() && t.After(max) {
		return false
	}
	return true
}
