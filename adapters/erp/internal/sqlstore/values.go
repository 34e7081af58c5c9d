package sqlstore

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
)

// bindValue normalises a mapping's value for column c of table t and binds it for the
// dialect. A string longer than the column is refused here, naming the column, rather than
// by the database with a message that may not (and SQLite would not refuse it at all).
func bindValue(d Dialect, t *Table, c passthrough.Column, v any) (any, error) {
	var n any
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		if c.Kind == passthrough.KindText && c.MaxLength > 0 {
			if l := d.TextLength(c, x); l > c.MaxLength {
				return nil, fmt.Errorf("%s.%s: a value of %d characters does not fit in %d: %w",
					t.Name, c.Name, l, c.MaxLength, erp.ErrInvalidValue)
			}
		}
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
		n = floatFor(c, float64(x))
	case float64:
		n = floatFor(c, x)
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
		return nil, fmt.Errorf("%s.%s: cannot store a value of type %T: %w", t.Name, c.Name, v, erp.ErrInvalidValue)
	}
	return d.Bind(c, n), nil
}

// floatFor keeps a float headed for a decimal column exact as written (0.1 stays 0.1, not
// 0.1000000000000000055511151231257827).
func floatFor(c passthrough.Column, f float64) any {
	if c.Kind == passthrough.KindDecimal {
		return decimal.NewFromFloat(f)
	}
	return f
}

// Columns of passthrough's own tables, for binding their values through the dialect.
var (
	ptText    = passthrough.Column{Kind: passthrough.KindText}
	ptTime    = passthrough.Column{Kind: passthrough.KindTime}
	ptDecimal = passthrough.Column{Kind: passthrough.KindDecimal}
	ptBool    = passthrough.Column{Kind: passthrough.KindBool}
)

func (st Statements) time(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return st.d.Bind(ptTime, Normalize(t))
}

func (st Statements) text(s string) any { return st.d.Bind(ptText, s) }

func (st Statements) textOrNull(s string) any {
	if s == "" {
		return nil
	}
	return st.text(s)
}

func (st Statements) decimal(v decimal.Decimal) any { return st.d.Bind(ptDecimal, v) }

func (st Statements) bool(b bool) any { return st.d.Bind(ptBool, b) }

func int64OrNull(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}
