package record

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// DecodeOrder reads one order from Shopify's REST JSON: the order object itself, or the
// {"order": {…}} wrapper the single-order endpoint returns.
//
// Real stores hold payloads of many API versions, so decoding is tolerant where they are
// known to vary: numbers sent as strings and strings sent as numbers (older payloads carry
// latitude/longitude as strings), null for anything, and line properties sent as {} or as a
// single {"name","value"} object instead of a list. What cannot be read gives an error
// naming the field, e.g. `line_items[1].price: "abc" is not a decimal number`.
func DecodeOrder(raw []byte) (*Order, error) {
	if o, ok := decodeOrderFast(raw); ok {
		return o, nil
	}
	return decodeOrderTolerant(raw)
}

// decodeOrderTolerant is DecodeOrder's thorough path: JSON into a tree, then the tree into
// the types by the rules above.
func decodeOrderTolerant(raw []byte) (*Order, error) {
	v, err := ParseJSON(raw)
	if err != nil {
		return nil, fmt.Errorf("decode order: %w", err)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("decode order: want a JSON object, got %s", kindOf(v))
	}
	if inner, ok := obj["order"].(map[string]any); ok && len(obj) == 1 {
		obj = inner
	}
	var o Order
	if err := decodeValue("", obj, reflect.ValueOf(&o).Elem()); err != nil {
		return nil, fmt.Errorf("decode order: %w", err)
	}
	if err := checkQuantities(&o); err != nil {
		return nil, fmt.Errorf("decode order: %w", err)
	}
	return &o, nil
}

// checkQuantities refuses negative line quantities. Shopify never sends one, and a
// mapping that keeps only lines with a quantity above zero would otherwise stage the order
// without that line, silently.
func checkQuantities(o *Order) error {
	for i, l := range o.LineItems {
		if l == nil {
			continue
		}
		for _, q := range []struct {
			name string
			n    int
		}{{"quantity", l.Quantity}, {"current_quantity", l.CurrentQuantity}, {"fulfillable_quantity", l.FulfillableQuantity}} {
			if q.n < 0 {
				return fmt.Errorf("line_items[%d].%s: %d is negative", i, q.name, q.n)
			}
		}
	}
	return nil
}

// parseJSON reads any JSON value, keeping numbers as json.Number so ids stay exact.
func ParseJSON(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if dec.More() {
		return nil, errors.New("invalid JSON: more than one value")
	}
	return v, nil
}

// DecodeTree fills dst (a pointer to one of this package's types) from a tree of JSON-like
// values: map[string]any, []any, string, json.Number, bool and nil, by the same tolerant rules
// as DecodeOrder. Mapping tests turn their YAML into such a tree, so an inline payload reads
// exactly as Shopify's JSON would.
func DecodeTree(v any, dst any) error {
	return decodeValue("", v, reflect.ValueOf(dst).Elem())
}

// decodeJSON reads one JSON value into dst by DecodeTree's rules.
func decodeJSON(raw []byte, dst any) error {
	v, err := ParseJSON(raw)
	if err != nil {
		return err
	}
	return DecodeTree(v, dst)
}

var (
	timeType    = reflect.TypeFor[time.Time]()
	decimalType = reflect.TypeFor[decimal.Decimal]()
	propsType   = reflect.TypeFor[[]*Property]()
)

func decodeValue(path string, v any, dst reflect.Value) error {
	if v == nil {
		dst.SetZero()
		return nil
	}
	t := dst.Type()
	switch {
	case t == timeType:
		tm, err := decodeTime(path, v)
		if err != nil {
			return err
		}
		dst.Set(reflect.ValueOf(tm))
		return nil
	case t == decimalType:
		d, err := decodeDecimal(path, v)
		if err != nil {
			return err
		}
		dst.Set(reflect.ValueOf(d))
		return nil
	case t.Kind() == reflect.Pointer:
		if s, ok := v.(string); ok && s == "" && t.Elem().Kind() != reflect.String {
			dst.SetZero() // "" for a missing timestamp or coordinate
			return nil
		}
		p := reflect.New(t.Elem())
		if err := decodeValue(path, v, p.Elem()); err != nil {
			return err
		}
		dst.Set(p)
		return nil
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return typeErr(path, v, "an object")
		}
		return decodeStruct(path, obj, dst)
	case reflect.Slice:
		return decodeSlice(path, v, dst)
	case reflect.String:
		switch x := v.(type) {
		case string:
			dst.SetString(x)
		case json.Number:
			dst.SetString(x.String())
		case bool:
			dst.SetString(strconv.FormatBool(x))
		default:
			return typeErr(path, v, "text")
		}
	case reflect.Bool:
		switch x := v.(type) {
		case bool:
			dst.SetBool(x)
		case string:
			b, err := strconv.ParseBool(x)
			if err != nil {
				return typeErr(path, v, "true or false")
			}
			dst.SetBool(b)
		default:
			return typeErr(path, v, "true or false")
		}
	case reflect.Int, reflect.Int64:
		n, err := decodeInt(v)
		if err != nil {
			return typeErr(path, v, "a whole number")
		}
		dst.SetInt(n)
	case reflect.Float64:
		var s string
		switch x := v.(type) {
		case json.Number:
			s = x.String()
		case string:
			s = strings.TrimSpace(x)
		default:
			return typeErr(path, v, "a number")
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return typeErr(path, v, "a number")
		}
		dst.SetFloat(f)
	default:
		return fmt.Errorf("%s: cannot decode into %s", pathOr(path), t) // a programming error
	}
	return nil
}

func decodeStruct(path string, obj map[string]any, dst reflect.Value) error {
	t := dst.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		v, ok := obj[name]
		if !ok {
			continue
		}
		if err := decodeValue(joinPath(path, name), v, dst.Field(i)); err != nil {
			return err
		}
	}
	// Payloads older than current_quantity: nothing was edited away, so it is the quantity.
	if li, ok := dst.Addr().Interface().(*LineItem); ok {
		if _, has := obj["current_quantity"]; !has {
			li.CurrentQuantity = li.Quantity
		}
	}
	if o, ok := dst.Addr().Interface().(*Order); ok {
		for _, c := range currentTotals(o) {
			if _, has := obj[c.name]; !has {
				*c.current = c.original
			}
		}
	}
	return nil
}

// currentTotals pairs the order's totals after refunds and edits (current_*) with the
// originals. Payloads older than the current_* fields had nothing refunded or edited that
// they could say, so the current totals are the original ones.
func currentTotals(o *Order) []struct {
	name     string
	current  *decimal.Decimal
	original decimal.Decimal
} {
	return []struct {
		name     string
		current  *decimal.Decimal
		original decimal.Decimal
	}{
		{"current_total_price", &o.CurrentTotalPrice, o.TotalPrice},
		{"current_subtotal_price", &o.CurrentSubtotalPrice, o.SubtotalPrice},
		{"current_total_tax", &o.CurrentTotalTax, o.TotalTax},
		{"current_total_discounts", &o.CurrentTotalDiscount, o.TotalDiscounts},
	}
}

func decodeSlice(path string, v any, dst reflect.Value) error {
	var items []any
	switch x := v.(type) {
	case []any:
		items = x
	case map[string]any:
		if dst.Type() != propsType && len(x) > 0 {
			return typeErr(path, v, "a list")
		}
		items = objectAsProperties(x)
	default:
		return typeErr(path, v, "a list")
	}
	s := reflect.MakeSlice(dst.Type(), len(items), len(items))
	elem := dst.Type().Elem()
	for i, item := range items {
		if item == nil && elem.Kind() == reflect.Pointer {
			s.Index(i).Set(reflect.New(elem.Elem())) // a null in a list is an empty element, never a nil one
			continue
		}
		if err := decodeValue(fmt.Sprintf("%s[%d]", path, i), item, s.Index(i)); err != nil {
			return err
		}
	}
	dst.Set(s)
	return nil
}

// objectAsProperties reads line properties sent as an object: {} is no property, a single
// {"name": …, "value": …} is one, and anything else is a name → value map.
func objectAsProperties(obj map[string]any) []any {
	if _, ok := obj["name"]; ok {
		return []any{obj}
	}
	names := make([]string, 0, len(obj))
	for k := range obj {
		names = append(names, k)
	}
	sort.Strings(names)
	items := make([]any, len(names))
	for i, k := range names {
		items[i] = map[string]any{"name": k, "value": obj[k]}
	}
	return items
}

func decodeInt(v any) (int64, error) {
	var s string
	switch x := v.(type) {
	case json.Number:
		s = x.String()
	case string:
		s = strings.TrimSpace(x)
		if s == "" {
			return 0, nil
		}
	default:
		return 0, errors.New("not a number")
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	// 3.0 is a whole number too; 3.5 is not.
	d, err := decimal.NewFromString(s)
	if err != nil || !d.IsInteger() || !d.BigInt().IsInt64() {
		return 0, errors.New("not a whole number")
	}
	return d.IntPart(), nil
}

func decodeDecimal(path string, v any) (decimal.Decimal, error) {
	var s string
	switch x := v.(type) {
	case json.Number:
		s = x.String()
	case string:
		s = strings.TrimSpace(x)
		if s == "" {
			return decimal.Decimal{}, nil
		}
	default:
		return decimal.Decimal{}, typeErr(path, v, "a decimal number")
	}
	d, err := decimal.NewFromString(s)
	if err != nil || d.Exponent() < -30 || d.Exponent() > 30 {
		return decimal.Decimal{}, typeErr(path, v, "a decimal number")
	}
	return d, nil
}

// timeLayouts are the forms Shopify has used for timestamps, newest first.
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02 15:04:05 -0700", "2006-01-02 15:04:05", "2006-01-02"}

func decodeTime(path string, v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, typeErr(path, v, "a timestamp")
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, typeErr(path, v, "a timestamp like 2026-07-01T10:00:00-04:00")
}

func typeErr(path string, v any, want string) error {
	return fmt.Errorf("%s: %s is not %s", pathOr(path), describe(v), want)
}

func describe(v any) string {
	switch x := v.(type) {
	case string:
		if len(x) > 40 {
			x = x[:40] + "…"
		}
		return strconv.Quote(x)
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	}
	return kindOf(v)
}

func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case string:
		return "text"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return fmt.Sprintf("%T", v)
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func pathOr(path string) string {
	if path == "" {
		return "(top level)"
	}
	return path
}
