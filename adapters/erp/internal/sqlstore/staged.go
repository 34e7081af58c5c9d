package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
)

// OrderStagedGet reads one order as the staging tables hold it now, every column of them.
func (s *Store) OrderStagedGet(ctx context.Context, p erp.OrderStagedGetParams) (*passthrough.OrderRows, error) {
	h, err := s.table(ctx, p.Header.Name)
	if err != nil {
		return nil, fmt.Errorf("read staged order %d: %w", p.OrderID, err)
	}
	out := &passthrough.OrderRows{Header: p.Header, Lines: p.Lines}
	st, err := s.st.StagedRows(h, nil, p.Shop, p.OrderID)
	if err != nil {
		return nil, fmt.Errorf("read staged order %d: %w", p.OrderID, err)
	}
	headers, err := s.stagedRows(ctx, h, st)
	if err != nil {
		return nil, fmt.Errorf("read staged header of order %d: %w", p.OrderID, err)
	}
	if len(headers) == 0 {
		return nil, fmt.Errorf("staged header of order %s/%d: %w", p.Shop, p.OrderID, erp.ErrNotFound)
	}
	out.HeaderRow = headers[0]
	if p.Lines.Name == "" {
		return out, nil
	}
	l, err := s.table(ctx, p.Lines.Name)
	if err != nil {
		return nil, fmt.Errorf("read staged lines of order %d: %w", p.OrderID, err)
	}
	if st, err = s.st.StagedRows(l, p.Lines.Key, p.Shop, p.OrderID); err != nil {
		return nil, fmt.Errorf("read staged lines of order %d: %w", p.OrderID, err)
	}
	if out.LineRows, err = s.stagedRows(ctx, l, st); err != nil {
		return nil, fmt.Errorf("read staged lines of order %d: %w", p.OrderID, err)
	}
	return out, nil
}

// stagedRows reads rows of every column of t, each value as readValue makes it.
func (s *Store) stagedRows(ctx context.Context, t *Table, st Stmt) ([]passthrough.Row, error) {
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		names[i] = c.Name
	}
	return queryAll(ctx, s, "read staged rows", st, func(rows *sql.Rows) (passthrough.Row, error) {
		raw := make([]any, len(t.Columns))
		ptrs := make([]any, len(raw))
		for i := range raw {
			ptrs[i] = &raw[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return passthrough.Row{}, err
		}
		r := passthrough.Row{Columns: names, Values: make([]any, len(raw))}
		for i, c := range t.Columns {
			v, err := readValue(c, raw[i])
			if err != nil {
				return r, fmt.Errorf("%s.%s: %w", t.Name, c.Name, err)
			}
			r.Values[i] = v
		}
		return r, nil
	})
}

// readValue turns what the driver read from column c into the form passthrough's rows hold:
// nil, a string, an int64, a decimal.Decimal, a bool, or a UTC time.Time; anything else (a
// binary column) as the driver gave it.
func readValue(c passthrough.Column, v any) (any, error) {
	if b, ok := v.([]byte); ok && c.Kind != passthrough.KindOther {
		v = string(b)
	}
	if v == nil {
		return nil, nil
	}
	switch c.Kind {
	case passthrough.KindText:
		switch x := v.(type) {
		case string:
			return x, nil
		case time.Time:
			return x.UTC().Format(TimeFormat), nil
		}
		return fmt.Sprint(v), nil
	case passthrough.KindInteger:
		switch x := v.(type) {
		case int64:
			return x, nil
		case int32:
			return int64(x), nil
		case int16:
			return int64(x), nil
		case int8:
			return int64(x), nil
		case int:
			return int64(x), nil
		case uint8:
			return int64(x), nil
		case string:
			return strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		}
	case passthrough.KindDecimal:
		switch x := v.(type) {
		case string:
			return decimal.NewFromString(strings.TrimSpace(x))
		case int64:
			return decimal.New(x, 0), nil
		case float64:
			return decimal.NewFromFloat(x), nil
		case decimal.Decimal:
			return x, nil
		}
	case passthrough.KindTime:
		switch x := v.(type) {
		case time.Time:
			return Normalize(x), nil
		case string:
			for _, layout := range []string{TimeFormat, time.DateOnly, time.RFC3339Nano, "2006-01-02 15:04:05"} {
				if t, err := time.Parse(layout, strings.TrimSpace(x)); err == nil {
					return Normalize(t), nil
				}
			}
		}
	case passthrough.KindBool:
		switch x := v.(type) {
		case bool:
			return x, nil
		case int64:
			return x != 0, nil
		case string:
			switch strings.TrimSpace(x) {
			case "1", "true", "t", "TRUE":
				return true, nil
			case "0", "false", "f", "FALSE":
				return false, nil
			}
		}
	default:
		return v, nil
	}
	return nil, fmt.Errorf("cannot read %v (%T) as %s", v, v, c.Kind)
}

// StagedRows reads every column of t's rows of one order, found by the contract's shop and
// web_order_id columns, in the order of the key columns order (those t has).
func (st Statements) StagedRows(t *Table, order []string, shop string, orderID int64) (Stmt, error) {
	c, err := st.headerCols(t, erp.ColShop, erp.ColWebOrderID)
	if err != nil {
		return Stmt{}, err
	}
	cols := make([]string, len(t.Columns))
	for i, col := range t.Columns {
		cols[i] = st.d.Quote(col.Name)
	}
	p := &params{d: st.d}
	q := "SELECT " + strings.Join(cols, ", ") + " FROM " + st.quote(t.Name) + " WHERE " + c[0] + " = " +
		p.add(st.value(column(t, erp.ColShop, passthrough.KindText), shop)) + " AND " + c[1] + " = " +
		p.add(st.value(column(t, erp.ColWebOrderID, passthrough.KindInteger), orderID))
	var by []string
	for _, k := range order {
		if kc, err := t.Column(k); err == nil && !strings.EqualFold(kc.Name, erp.ColShop) && !strings.EqualFold(kc.Name, erp.ColWebOrderID) {
			by = append(by, st.d.Quote(kc.Name))
		}
	}
	if len(by) > 0 {
		q += " ORDER BY " + strings.Join(by, ", ")
	}
	return Stmt{SQL: q, Args: p.args}, nil
}
