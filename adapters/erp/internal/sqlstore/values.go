package sqlstore

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
)

// bindValue normalises a mapping's value for column c of table t, checks that the column
// can hold it, and binds it for the dialect. Every check is made here, on every dialect, with
// one message naming the column, rather than left to the database: its message may not name
// the column, it comes half-way through the order's transaction, and SQLite would not refuse
// at all.
func bindValue(d Dialect, t *Table, c passthrough.Column, v any) (any, error) {
	if c.Generated {
		return nil, fmt.Errorf("%s.%s is filled by the database (an identity, computed or rowversion column); a mapping cannot write it: %w",
			t.Name, c.Name, erp.ErrInvalidValue)
	}
	n, err := normalize(c, v)
	if err != nil {
		return nil, fmt.Errorf("%s.%s: %w: %w", t.Name, c.Name, err, erp.ErrInvalidValue)
	}
	if n == nil {
		if !c.Nullable {
			return nil, fmt.Errorf("%s.%s: no value, and the column allows no NULL: %w", t.Name, c.Name, erp.ErrInvalidValue)
		}
		return d.Bind(c, nil), nil
	}
	if err := fits(d, c, n); err != nil {
		return nil, fmt.Errorf("%s.%s: %w: %w", t.Name, c.Name, err, erp.ErrInvalidValue)
	}
	return d.Bind(c, n), nil
}

// normalize turns a mapping's value into one of the forms Dialect.Bind takes (nil, string,
// int64, float64, bool, UTC time.Time to the millisecond, decimal.Decimal), in the form
// column c keeps: a number for a decimal column as an exact decimal, a whole number for an
// integer column as an int64, a flag for a one-character text column as 'Y' or 'N'.
func normalize(c passthrough.Column, v any) (any, error) {
	var n any
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		n = x
	case int:
		n = int64(x)
	case int8:
		n = int64(x)
	case int16:
		n = int64(x)
	case int32:
		n = int64(x)
	case int64:
		n = x
	case uint8:
		n = int64(x)
	case uint16:
		n = int64(x)
	case uint32:
		n = int64(x)
	case float32:
		n = float64(x)
	case float64:
		n = x
	case bool:
		n = x
	case time.Time:
		if x.IsZero() {
			return nil, nil
		}
		n = Normalize(x)
	case decimal.Decimal:
		n = x
	case decimal.NullDecimal:
		if !x.Valid {
			return nil, nil
		}
		n = x.Decimal
	default:
		return nil, fmt.Errorf("cannot store a value of type %T", v)
	}
	switch c.Kind {
	case passthrough.KindDecimal:
		switch x := n.(type) {
		case int64:
			return decimal.New(x, 0), nil
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fmt.Errorf("%v is not a number the column can hold", x)
			}
			// Exact as written: 0.1 stays 0.1, not 0.1000000000000000055511151231257827.
			return decimal.NewFromFloat(x), nil
		}
	case passthrough.KindInteger:
		var whole decimal.Decimal
		switch x := n.(type) {
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fmt.Errorf("%v is not a number the column can hold", x)
			}
			whole = decimal.NewFromFloat(x)
		case decimal.Decimal:
			whole = x
		default:
			return n, nil
		}
		if !whole.IsInteger() {
			return nil, fmt.Errorf("%s is not a whole number", whole)
		}
		if !whole.BigInt().IsInt64() {
			return nil, fmt.Errorf("%s does not fit: the column holds whole numbers from %d to %d", whole, c.Min, c.Max)
		}
		return whole.IntPart(), nil
	case passthrough.KindText:
		// A flag into a one-character column, as ERPs keep them: 'Y' or 'N'.
		if b, ok := n.(bool); ok && c.MaxLength == 1 {
			if b {
				return "Y", nil
			}
			return "N", nil
		}
	}
	return n, nil
}

// fits checks a normalised value against the column's declared bounds: length and code
// page for text, precision, scale and range for numbers.
func fits(d Dialect, c passthrough.Column, v any) error {
	switch x := v.(type) {
	case string:
		if c.Kind != passthrough.KindText {
			return nil
		}
		l, err := d.TextLength(c, x)
		if err != nil {
			return err
		}
		if c.MaxLength > 0 && l > c.MaxLength {
			return fmt.Errorf("a value of %d characters does not fit in %d", l, c.MaxLength)
		}
	case int64:
		if c.Kind == passthrough.KindInteger && (c.Min != 0 || c.Max != 0) && (x < c.Min || x > c.Max) {
			return fmt.Errorf("%d does not fit: the column holds whole numbers from %d to %d", x, c.Min, c.Max)
		}
	case decimal.Decimal:
		if c.Kind != passthrough.KindDecimal {
			return nil
		}
		return decimalFits(c, x)
	}
	return nil
}

// decimalFits checks a decimal against the column's precision, scale and range. Digits
// after the point beyond the scale are refused, not rounded: a mapping that means to round
// says so (money()), and nothing is rounded silently.
func decimalFits(c passthrough.Column, x decimal.Decimal) error {
	if c.Precision == 0 && c.Max == 0 {
		return nil
	}
	exp := int(x.Exponent())
	if -exp > c.Scale && !x.Equal(x.Truncate(int32(c.Scale))) {
		// Trailing zeros after the point cost nothing: 19.9900 fits two decimals.
		_, frac, _ := strings.Cut(x.String(), ".")
		return fmt.Errorf("%s has %d digits after the point and the column keeps %d; round it in the mapping",
			x, len(strings.TrimRight(frac, "0")), c.Scale)
	}
	if before := x.NumDigits() + exp; c.Precision > 0 && !x.IsZero() && before > c.Precision-c.Scale {
		return fmt.Errorf("%s does not fit: the column holds up to %d digits before the point and %d after", x, c.Precision-c.Scale, c.Scale)
	}
	if c.Max != 0 {
		units := x.Shift(int32(c.Scale))
		if units.LessThan(decimal.New(c.Min, 0)) || units.GreaterThan(decimal.New(c.Max, 0)) {
			return fmt.Errorf("%s does not fit: the column holds numbers from %s to %s", x,
				decimal.New(c.Min, -int32(c.Scale)).StringFixed(int32(c.Scale)), decimal.New(c.Max, -int32(c.Scale)).StringFixed(int32(c.Scale)))
		}
	}
	return nil
}

// IntRange is the range of a signed integer of bits bits, or of an unsigned byte (SQL
// Server's tinyint) for 8.
func IntRange(bits int) (min, max int64) {
	if bits == 8 {
		return 0, math.MaxUint8
	}
	return -1 << (bits - 1), 1<<(bits-1) - 1
}

// Columns of passthrough's own tables, for binding their values through the dialect.
var (
	ptText    = passthrough.Column{Kind: passthrough.KindText}
	ptInteger = passthrough.Column{Kind: passthrough.KindInteger}
	ptTime    = passthrough.Column{Kind: passthrough.KindTime}
	ptDecimal = passthrough.Column{Kind: passthrough.KindDecimal}
	ptBool    = passthrough.Column{Kind: passthrough.KindBool}
)

// time binds a time for passthrough's own tables: NULL for the zero time.
func (st Statements) time(t time.Time) any {
	if t.IsZero() {
		return st.d.Bind(ptTime, nil)
	}
	return st.d.Bind(ptTime, Normalize(t))
}

func (st Statements) text(s string) any { return st.d.Bind(ptText, s) }

func (st Statements) textOrNull(s string) any {
	if s == "" {
		return st.d.Bind(ptText, nil)
	}
	return st.text(s)
}

func (st Statements) decimal(v decimal.Decimal) any { return st.d.Bind(ptDecimal, v) }

func (st Statements) bool(b bool) any { return st.d.Bind(ptBool, b) }

func (st Statements) int64(v int64) any { return st.d.Bind(ptInteger, v) }

func (st Statements) int64OrNull(v int64) any {
	if v == 0 {
		return st.d.Bind(ptInteger, nil)
	}
	return st.int64(v)
}

// value binds v for column c of an ERP table, for a statement's WHERE: a value passthrough
// chose itself (a shop, an order id), not a mapping's.
func (st Statements) value(c passthrough.Column, v any) any {
	if s, ok := v.(string); ok && s == "" && c.Kind != passthrough.KindText {
		return st.d.Bind(c, nil)
	}
	return st.d.Bind(c, v)
}

// cut shortens s to what column c holds, for messages passthrough writes into the ERP's
// tables, where the start of a long message is better than none.
func cut(d Dialect, c passthrough.Column, s string) string {
	if c.MaxLength <= 0 {
		return s
	}
	for n, err := d.TextLength(c, s); err == nil && n > c.MaxLength; n, err = d.TextLength(c, s) {
		r := []rune(s)
		s = string(r[:len(r)-1])
	}
	return s
}
