package record

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// decodeOrderFast reads a well-formed payload with encoding/json straight into the types:
// faster than the tolerant path, which builds a tree first, and with a fraction of its
// allocations (BenchmarkDecodeOrderPaths). It takes the shapes real payloads have: the
// order itself or wrapped as {"order": {…}}, coordinates as numbers or as strings, lines
// with or without current_quantity. It gives up (false) at the first thing the tolerant
// path is there for — a value of another type, "" for a time, a null in a list, an
// exponent out of range, a negative quantity, a key in capitals or written twice — and
// DecodeOrder then reads the payload the tolerant way, with its messages. What it
// accepts, it decodes exactly as the tolerant path would (a test compares the two on
// every fixture, on generated orders and under fuzzing).
func decodeOrderFast(raw []byte) (*Order, bool) {
	return decodeUnwrappedFast(unwrapOrder(raw))
}

// decodeUnwrappedFast is decodeOrderFast for the order itself, never a wrapper: one
// element of an orders page.
func decodeUnwrappedFast(raw []byte) (*Order, bool) {
	if !plainKeys(raw) {
		return nil, false
	}
	var f fastOrder
	if err := json.Unmarshal(raw, &f); err != nil || f.ID == 0 {
		return nil, false
	}
	o := &f.Order
	o.BillingAddress = f.BillingAddress.address()
	o.ShippingAddress = f.ShippingAddress.address()
	if f.Customer != nil {
		f.Customer.Customer.DefaultAddress = f.Customer.DefaultAddress.address()
		o.Customer = &f.Customer.Customer
	}
	var ok bool
	if o.LineItems, ok = fastLines(f.Lines); !ok {
		return nil, false
	}
	for i, raw := range []json.RawMessage{f.HasCurrentTotal, f.HasCurrentSubtotal, f.HasCurrentTax, f.HasCurrentDiscounts} {
		c := currentTotals(o)[i]
		switch {
		case raw == nil:
			*c.current = c.original
		case bytes.Equal(raw, []byte("null")):
			*c.current = decimal.Decimal{}
		default:
			var d decimal.Decimal
			if json.Unmarshal(raw, &d) != nil {
				return nil, false
			}
			*c.current = d
		}
	}
	if f.Refunds != nil {
		o.Refunds = make([]*Refund, len(f.Refunds))
		for i, fr := range f.Refunds {
			if fr == nil {
				return nil, false
			}
			if fr.Items != nil {
				fr.RefundLineItems = make([]*RefundLineItem, len(fr.Items))
				for j, it := range fr.Items {
					if it == nil {
						return nil, false
					}
					if it.Line != nil {
						lines, ok := fastLines([]*fastLine{it.Line})
						if !ok {
							return nil, false
						}
						it.LineItem = lines[0]
					}
					fr.RefundLineItems[j] = &it.RefundLineItem
				}
			}
			o.Refunds[i] = &fr.Refund
		}
	}
	if f.Fulfillments != nil {
		o.Fulfillments = make([]*Fulfillment, len(f.Fulfillments))
		for i, ff := range f.Fulfillments {
			if ff == nil {
				return nil, false
			}
			if ff.LineItems, ok = fastLines(ff.Lines); !ok {
				return nil, false
			}
			o.Fulfillments[i] = &ff.Fulfillment
		}
	}
	if checkQuantities(o) != nil || !plainValues(reflect.ValueOf(o).Elem()) {
		return nil, false
	}
	return o, true
}

// unwrapOrder returns the order inside {"order": {…}}, the shape of the single-order
// endpoint's answer; raw itself when it is not that. It looks only at the bytes around the
// order: if they hold anything else ({"order": {…}, "x": 1}), what it returns is not one
// JSON value and the decoder gives up, as the tolerant path then reads the outer object.
func unwrapOrder(raw []byte) []byte {
	s, ok := bytes.CutPrefix(trimJSONSpace(raw), []byte("{"))
	if !ok {
		return raw
	}
	if s, ok = bytes.CutPrefix(trimJSONSpace(s), []byte(`"order"`)); !ok {
		return raw
	}
	if s, ok = bytes.CutPrefix(trimJSONSpace(s), []byte(":")); !ok {
		return raw
	}
	if s, ok = bytes.CutSuffix(s, []byte("}")); !ok {
		return raw
	}
	if s = trimJSONSpace(s); len(s) == 0 || s[0] != '{' {
		return raw
	}
	return s
}

// trimJSONSpace trims the four bytes JSON counts as white space (bytes.TrimSpace trims
// more, which the tolerant path refuses).
func trimJSONSpace(b []byte) []byte {
	return bytes.Trim(b, " \t\r\n")
}

// plainKeys reports that every object key in raw is written plainly — no capital letter,
// no escape, nothing beyond ASCII — and that no object repeats a key. encoding/json
// matches keys without regard to case and merges an object given twice into one, where
// the tolerant path takes keys exactly and the last of a repeated key; on plain keys the
// two agree. Shopify writes its keys in snake_case, once. raw need not be valid JSON:
// the decoder finds that out.
func plainKeys(raw []byte) bool {
	// The keys of the objects open at i, and for each object a set of its keys' hashes,
	// so that a key is compared with the others only when its hash was seen.
	type object struct {
		first  int // index in keys of the object's first key
		hashes [4]uint64
	}
	type key struct{ from, to int }
	objects := make([]object, 0, 16)
	keys := make([]key, 0, 256)
	for i := 0; i < len(raw); i++ {
		if !scanStops[raw[i]] {
			continue
		}
		switch raw[i] {
		case '{':
			objects = append(objects, object{first: len(keys)})
		case '}':
			if len(objects) > 0 {
				keys = keys[:objects[len(objects)-1].first]
				objects = objects[:len(objects)-1]
			}
		case '"':
			end := endOfString(raw, i+1)
			if end < 0 {
				return false
			}
			j := end + 1
			for j < len(raw) && (raw[j] == ' ' || raw[j] == '\t' || raw[j] == '\r' || raw[j] == '\n') {
				j++
			}
			if j < len(raw) && raw[j] == ':' {
				h, plain := keyHash(raw[i+1 : end])
				if !plain || len(objects) == 0 {
					return false
				}
				obj := &objects[len(objects)-1]
				if obj.hashes[h/64]&(1<<(h%64)) != 0 {
					for _, k := range keys[obj.first:] {
						if bytes.Equal(raw[k.from:k.to], raw[i+1:end]) {
							return false
						}
					}
				}
				obj.hashes[h/64] |= 1 << (h % 64)
				keys = append(keys, key{i + 1, end})
			}
			i = end
		}
	}
	return true
}

// keyHash hashes a key to one of 256 values, and says whether it is plain: no capital
// letter, no escape, nothing beyond ASCII.
func keyHash(key []byte) (h byte, plain bool) {
	h = byte(len(key))
	for _, c := range key {
		if !plainKeyBytes[c] {
			return 0, false
		}
		h = h*31 + c
	}
	return h, true
}

var (
	// scanStops are the bytes plainKeys stops at.
	scanStops = [256]bool{'{': true, '}': true, '"': true}
	// plainKeyBytes are the bytes of a plain key: ASCII, no capital letter, no escape.
	plainKeyBytes = func() (t [256]bool) {
		for c := range 0x80 {
			t[c] = (c < 'A' || c > 'Z') && c != '\\'
		}
		return t
	}()
)

// endOfString returns the index of the quote that closes the string starting at from, or
// -1 when it is not closed.
func endOfString(raw []byte, from int) int {
	for {
		n := bytes.IndexByte(raw[from:], '"')
		if n < 0 {
			return -1
		}
		end := from + n
		escapes := 0
		for k := end - 1; k >= from && raw[k] == '\\'; k-- {
			escapes++
		}
		if escapes%2 == 0 {
			return end
		}
		from = end + 1
	}
}

// fastOrder and its parts read what encoding/json cannot read into the types themselves:
// the lists of lines, with a note of whether each line had current_quantity at all (a
// payload older than the field counts the quantity), whether the order had the current_*
// totals at all (see currentTotals), and the addresses, whose coordinates older API
// versions send as strings.
type (
	fastOrder struct {
		Order
		HasCurrentTotal     json.RawMessage    `json:"current_total_price"`
		HasCurrentSubtotal  json.RawMessage    `json:"current_subtotal_price"`
		HasCurrentTax       json.RawMessage    `json:"current_total_tax"`
		HasCurrentDiscounts json.RawMessage    `json:"current_total_discounts"`
		BillingAddress      *fastAddress       `json:"billing_address"`
		ShippingAddress     *fastAddress       `json:"shipping_address"`
		Customer            *fastCustomer      `json:"customer"`
		Lines               []*fastLine        `json:"line_items"`
		Fulfillments        []*fastFulfillment `json:"fulfillments"`
		Refunds             []*fastRefund      `json:"refunds"`
	}
	fastRefund struct {
		Refund
		Items []*fastRefundItem `json:"refund_line_items"`
	}
	fastRefundItem struct {
		RefundLineItem
		Line *fastLine `json:"line_item"`
	}
	fastFulfillment struct {
		Fulfillment
		Lines []*fastLine `json:"line_items"`
	}
	fastLine struct {
		LineItem
		Current json.RawMessage `json:"current_quantity"`
	}
	fastCustomer struct {
		Customer
		DefaultAddress *fastAddress `json:"default_address"`
	}
	fastAddress struct {
		Address
		Latitude  coordinate `json:"latitude"`
		Longitude coordinate `json:"longitude"`
	}
)

func (a *fastAddress) address() *Address {
	if a == nil {
		return nil
	}
	a.Address.Latitude, a.Address.Longitude = a.Latitude.v, a.Longitude.v
	return &a.Address
}

// coordinate reads a latitude or longitude as the tolerant path does: a number, a number
// in a string, or null or "" for none. It refuses NaN, which the tolerant path reads but
// no comparison can confirm.
type coordinate struct{ v *float64 }

var errNotCoordinate = errors.New("not a coordinate")

func (c *coordinate) UnmarshalJSON(b []byte) error {
	c.v = nil
	s := string(b)
	switch {
	case s == "null":
		return nil
	case strings.HasPrefix(s, `"`):
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if s == "" {
			return nil
		}
		s = strings.TrimSpace(s)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) {
		return errNotCoordinate
	}
	c.v = &f
	return nil
}

func fastLines(in []*fastLine) ([]*LineItem, bool) {
	if in == nil {
		return nil, true
	}
	out := make([]*LineItem, len(in))
	for i, l := range in {
		if l == nil {
			return nil, false
		}
		switch c := string(l.Current); c {
		case "":
			l.CurrentQuantity = l.Quantity
		case "null":
			l.CurrentQuantity = 0
		default:
			n, err := strconv.Atoi(c)
			if err != nil {
				return nil, false
			}
			l.CurrentQuantity = n
		}
		out[i] = &l.LineItem
	}
	return out, true
}

// plainValues reports that v holds no nil element in a list (the tolerant path makes an
// empty element of a null) and no decimal with an exponent beyond ±30 (which it refuses).
func plainValues(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer:
		return v.IsNil() || plainValues(v.Elem())
	case reflect.Slice:
		for i := range v.Len() {
			e := v.Index(i)
			if e.Kind() == reflect.Pointer && e.IsNil() {
				return false
			}
			if !plainValues(e) {
				return false
			}
		}
	case reflect.Struct:
		switch v.Type() {
		case timeType:
			return true
		case decimalType:
			exp := v.Interface().(decimal.Decimal).Exponent()
			return exp >= -30 && exp <= 30
		}
		for i := range v.NumField() {
			if !plainValues(v.Field(i)) {
				return false
			}
		}
	}
	return true
}
