package mapping

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/record"
)

// valueKind is the family of a column value, as far as it is known before anything runs.
// The reflect types the engine treats as values of their own rather than structs.
var (
	timeType    = reflect.TypeFor[time.Time]()
	decimalType = reflect.TypeFor[decimal.Decimal]()
)

type valueKind int

const (
	kindUnknown valueKind = iota // decided when the expression runs (any, nil)
	kindText
	kindInteger
	kindDecimal
	kindTime
	kindBool
	kindNull    // always nil
	kindInvalid // a list, an object: nothing a column can hold
)

func (k valueKind) String() string {
	switch k {
	case kindText:
		return "text"
	case kindInteger:
		return "a whole number"
	case kindDecimal:
		return "a decimal number"
	case kindTime:
		return "a time"
	case kindBool:
		return "true or false"
	case kindNull:
		return "nil"
	case kindInvalid:
		return "a list or an object"
	}
	return "a value known only when it runs"
}

// kindOfType maps a Go type, as the expression checker reports it, to a column family.
func kindOfType(t reflect.Type) valueKind {
	if t == nil || t == anyType {
		return kindUnknown
	}
	switch {
	case t == decimalType:
		return kindDecimal
	case t == timeType || t == reflect.PointerTo(timeType):
		return kindTime
	case isIntType(t):
		return kindInteger
	case isFloatType(t):
		return kindDecimal
	}
	switch t.Kind() {
	case reflect.String:
		return kindText
	case reflect.Bool:
		return kindBool
	case reflect.Interface:
		return kindUnknown
	}
	return kindInvalid
}

// rowValue converts what an expression gave into a value every ERP dialect binds: nil,
// string, int64, bool, time.Time or decimal.Decimal.
func rowValue(v any) (any, error) {
	switch x := v.(type) {
	case nil, string, int64, bool, decimal.Decimal:
		return v, nil
	case int:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case uint8:
		return int64(x), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, fmt.Errorf("%v is not a number a column can hold", x)
		}
		return decimal.NewFromFloat(x), nil
	case time.Time:
		if x.IsZero() {
			return nil, nil
		}
		return x, nil
	case *time.Time:
		if x == nil || x.IsZero() {
			return nil, nil
		}
		return *x, nil
	}
	return nil, fmt.Errorf("the expression gave %s; a column takes text, a number, a time or true/false",
		typeName(reflect.TypeOf(v)))
}

// Display formats a value for people: previews, test failures, messages. Decimals keep
// their scale (199.00 stays 199.00), times are RFC 3339.
func Display(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case decimal.Decimal:
		return formatDecimal(x)
	case time.Time:
		return formatTime(x)
	case *time.Time:
		if x == nil {
			return ""
		}
		return formatTime(*x)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// formatTime writes a time in RFC 3339, or without a zone when it is a shop's wall clock
// (local()).
func formatTime(t time.Time) string {
	if t.Location() == WallClock {
		return t.Format("2006-01-02T15:04:05")
	}
	return t.Format(time.RFC3339)
}

func formatDecimal(d decimal.Decimal) string {
	if e := d.Exponent(); e < 0 {
		return d.StringFixed(-e)
	}
	return d.String()
}

// typeName names a Go type the way a mapping author thinks of it.
func typeName(t reflect.Type) string {
	if t == nil {
		return "nil"
	}
	switch t {
	case decimalType:
		return "decimal"
	case timeType:
		return "time"
	case anyType:
		return "any"
	}
	switch t.Kind() {
	case reflect.Pointer:
		return typeName(t.Elem())
	case reflect.Slice:
		return "list of " + typeName(t.Elem())
	case reflect.Map:
		return "map"
	case reflect.String:
		return "text"
	case reflect.Bool:
		return "bool"
	}
	if isIntType(t) {
		return "int"
	}
	if isFloatType(t) {
		return "float"
	}
	if name, ok := structNames[t]; ok {
		return name
	}
	return t.String()
}

// structNames are the environment's types as a mapping's author knows them.
var structNames = map[reflect.Type]string{
	reflect.TypeFor[record.Order]():               "order",
	reflect.TypeFor[record.LineItem]():            "line item",
	reflect.TypeFor[record.Address]():             "address",
	reflect.TypeFor[record.Customer]():            "customer",
	reflect.TypeFor[record.Money]():               "money",
	reflect.TypeFor[record.MoneySet]():            "money set",
	reflect.TypeFor[record.TaxLine]():             "tax line",
	reflect.TypeFor[record.DiscountCode]():        "discount code",
	reflect.TypeFor[record.DiscountApplication](): "discount application",
	reflect.TypeFor[record.DiscountAllocation]():  "discount allocation",
	reflect.TypeFor[record.ShippingLine]():        "shipping line",
	reflect.TypeFor[record.NoteAttribute]():       "note attribute",
	reflect.TypeFor[record.Property]():            "property",
	reflect.TypeFor[record.Fulfillment]():         "fulfillment",
	reflect.TypeFor[record.Refund]():              "refund",
	reflect.TypeFor[record.RefundLineItem]():      "refund line item",
	reflect.TypeFor[record.OrderAdjustment]():     "order adjustment",
	reflect.TypeFor[record.Transaction]():         "transaction",
	reflect.TypeFor[record.Shipment]():            "shipment",
	reflect.TypeFor[record.ShipmentItem]():        "shipment item",
	reflect.TypeFor[record.Stock]():               "stock row",
}

// fieldNames lists the expression names of a struct type's fields.
func fieldNames(t reflect.Type) []string {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	var names []string
	for i := 0; i < t.NumField(); i++ {
		if tag := t.Field(i).Tag.Get("expr"); tag != "" && tag != "-" {
			names = append(names, tag)
		}
	}
	return names
}

// kindFits reports whether a column of the given family can store values of kind k.
func kindFits(col passthrough.ColumnKind, k valueKind) bool {
	switch k {
	case kindUnknown, kindNull:
		return true
	}
	switch col {
	case passthrough.KindText:
		return k == kindText
	case passthrough.KindInteger:
		return k == kindInteger
	case passthrough.KindDecimal:
		return k == kindDecimal || k == kindInteger
	case passthrough.KindTime:
		return k == kindTime
	case passthrough.KindBool:
		return k == kindBool
	}
	return true // KindOther: the database decides
}
