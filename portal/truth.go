package portal

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
)

// The order's truth: its rows as the staging tables hold them now, beside the rows the
// current mapping makes of the order, with what differs marked. The staged rows are read
// from the tables and shown as they are; the mapped ones are labelled as what a Retry would
// stage. They differ when the mapping changed since the order was staged, when Shopify
// changed the order, or when the ERP changed the rows.

// headerCell is one column of the header: its value as staged and as the mapping makes it.
type headerCell struct {
	Column string
	Staged string
	Mapped string
	// InMapping says the mapping writes the column; Differs that its value is not the
	// staged one. Whose names who sets a column the mapping does not: the ERP, passthrough.
	InMapping bool
	Differs   bool
	Whose     string
	// NotStaged says the table has no such column (it was removed, or the mapping is new).
	NotStaged bool
}

// lineCell is one value of a line, with the other side's when they differ.
type lineCell struct {
	Value   string
	Differs bool
	Other   string // the other side's value, when Differs
}

// lineRow is one line of one side; Alone says the other side has no line of its key.
type lineRow struct {
	Key   string
	Cells []lineCell
	Alone bool
}

// lineTable is the lines of one side.
type lineTable struct {
	Columns []string
	Rows    []lineRow
}

// truth is the comparison the order page shows.
type truth struct {
	Header       []headerCell
	StagedLines  lineTable
	MappedLines  lineTable
	Differences  int // cells and lines that differ
	LineKey      []string
	HeaderTable  string
	LinesTable   string
	ImportStatus string
	ImportError  string
	ERPOrderNo   string
}

// whoseColumns are the header columns the mapping never writes: the ERP's, and those the
// store stamps.
var whoseColumns = map[string]string{
	erp.ColImportStatus: "the ERP's", erp.ColImportError: "the ERP's", erp.ColERPOrderNo: "the ERP's",
	erp.ColCreatedAt: "passthrough's", erp.ColUpdatedAt: "passthrough's",
}

// compare lines up staged (as the tables hold the order) and mapped (what the mapping makes
// of it; nil when it refuses the order).
func compare(staged, mapped *passthrough.OrderRows) truth {
	t := truth{HeaderTable: staged.Header.Name, LinesTable: staged.Lines.Name}
	var mh passthrough.Row
	if mapped != nil {
		mh = mapped.HeaderRow
	}
	for i, c := range staged.HeaderRow.Columns {
		v := staged.HeaderRow.Values[i]
		text := ""
		if v != nil {
			text = strings.TrimSpace(cell(v))
		}
		switch strings.ToLower(c) {
		case erp.ColImportStatus:
			t.ImportStatus = text
		case erp.ColImportError:
			t.ImportError = text
		case erp.ColERPOrderNo:
			t.ERPOrderNo = text
		}
		h := headerCell{Column: c, Staged: cell(v), Whose: whoseColumns[strings.ToLower(c)]}
		if mv, ok := get(mh, c); ok && h.Whose == "" {
			h.InMapping, h.Mapped = true, cell(mv)
			h.Differs = !sameValue(v, mv)
		}
		if h.Differs {
			t.Differences++
		}
		t.Header = append(t.Header, h)
	}
	for i, c := range mh.Columns {
		if _, ok := get(staged.HeaderRow, c); !ok {
			t.Header = append(t.Header, headerCell{Column: c, Mapped: cell(mh.Values[i]), InMapping: true, Differs: true, NotStaged: true})
			t.Differences++
		}
	}

	var mapLines []passthrough.Row
	if mapped != nil {
		mapLines = mapped.LineRows
	}
	t.LineKey = lineKey(staged.Lines.Key)
	stagedBy, mappedBy := byKey(staged.LineRows, t.LineKey), byKey(mapLines, t.LineKey)
	t.StagedLines = sideOf(staged.LineRows, t.LineKey, mappedBy, &t.Differences)
	if mapped != nil {
		t.MappedLines = sideOf(mapLines, t.LineKey, stagedBy, nil)
	}
	return t
}

// lineKey is the lines' key without the order's own columns: what tells an order's lines
// apart (line_no). Empty when the mapping's key says no more; lines then pair by position.
func lineKey(key []string) []string {
	var out []string
	for _, k := range key {
		if !strings.EqualFold(k, erp.ColShop) && !strings.EqualFold(k, erp.ColWebOrderID) {
			out = append(out, k)
		}
	}
	return out
}

// keyOf is a line's key as text ("1"), or its position when there is no key.
func keyOf(r passthrough.Row, key []string, i int) string {
	if len(key) == 0 {
		return fmt.Sprintf("#%d", i+1)
	}
	parts := make([]string, len(key))
	for j, k := range key {
		v, _ := get(r, k)
		parts[j] = cell(v)
	}
	return strings.Join(parts, " · ")
}

func byKey(rows []passthrough.Row, key []string) map[string]passthrough.Row {
	out := make(map[string]passthrough.Row, len(rows))
	for i, r := range rows {
		out[keyOf(r, key, i)] = r
	}
	return out
}

// sideOf is one side's lines, each value compared with the other side's line of the same
// key; differences, when not nil, counts the differing cells and the lines of one side only
// (counted once, from the staged side, plus the mapped lines not staged).
func sideOf(rows []passthrough.Row, key []string, other map[string]passthrough.Row, differences *int) lineTable {
	var t lineTable
	for _, r := range rows {
		for _, c := range r.Columns {
			if !slices.Contains(t.Columns, c) {
				t.Columns = append(t.Columns, c)
			}
		}
	}
	for i, r := range rows {
		k := keyOf(r, key, i)
		lr := lineRow{Key: k}
		o, found := other[k]
		lr.Alone = !found
		if lr.Alone && differences != nil {
			*differences++
		}
		for _, c := range t.Columns {
			v, has := get(r, c)
			lc := lineCell{Value: cell(v)}
			if !has {
				lc.Value = ""
			}
			if ov, ok := get(o, c); found && ok && has && !sameValue(v, ov) {
				lc.Differs, lc.Other = true, cell(ov)
				if differences != nil {
					*differences++
				}
			}
			lr.Cells = append(lr.Cells, lc)
		}
		t.Rows = append(t.Rows, lr)
	}
	if differences != nil {
		// Lines the mapping makes now that are not staged.
		staged := map[string]bool{}
		for i, r := range rows {
			staged[keyOf(r, key, i)] = true
		}
		for k := range other {
			if !staged[k] {
				*differences++
			}
		}
	}
	return t
}

// get is a row's value of a column, its name compared ignoring case as the databases do.
func get(r passthrough.Row, column string) (any, bool) {
	for i, c := range r.Columns {
		if c == column || strings.EqualFold(c, column) {
			return r.Values[i], true
		}
	}
	return nil, false
}

// sameValue says whether a staged value (as the database reads it back) holds what the
// mapping's value would write: numbers equal as numbers, a flag as the column keeps it
// (true, 1, 'Y'), a time to the millisecond (or to the day, in a date column), text with the
// padding of a fixed-width column ignored.
func sameValue(staged, mapped any) bool {
	switch m := mapped.(type) {
	case nil:
		return staged == nil
	case bool:
		switch s := staged.(type) {
		case bool:
			return s == m
		case int64:
			return (s != 0) == m
		case string:
			v := strings.ToUpper(strings.TrimSpace(s))
			if m {
				return v == "Y" || v == "1" || v == "TRUE" || v == "T"
			}
			return v == "N" || v == "0" || v == "FALSE" || v == "F"
		}
		return false
	case time.Time:
		s, ok := staged.(time.Time)
		if !ok {
			return false
		}
		want := m.Truncate(time.Millisecond)
		if s.Equal(want) {
			return true
		}
		// A date column keeps the day alone.
		su := s.UTC()
		return su.Hour() == 0 && su.Minute() == 0 && su.Second() == 0 && su.Nanosecond() == 0 &&
			su.Year() == m.Year() && su.Month() == m.Month() && su.Day() == m.Day()
	case string:
		switch s := staged.(type) {
		case string:
			return strings.TrimRight(s, " ") == strings.TrimRight(m, " ")
		case nil:
			return false
		}
		if d, ok := number(staged); ok {
			md, err := decimal.NewFromString(strings.TrimSpace(m))
			return err == nil && d.Equal(md)
		}
		return cell(staged) == m
	}
	if md, ok := number(mapped); ok {
		d, ok := number(staged)
		return ok && d.Equal(md)
	}
	return cell(staged) == cell(mapped)
}

// number reads a value that is a number, of whichever type.
func number(v any) (decimal.Decimal, bool) {
	switch x := v.(type) {
	case decimal.Decimal:
		return x, true
	case int64:
		return decimal.New(x, 0), true
	case int:
		return decimal.New(int64(x), 0), true
	case int32:
		return decimal.New(int64(x), 0), true
	case float64:
		return decimal.NewFromFloat(x), true
	case string:
		d, err := decimal.NewFromString(strings.TrimSpace(x))
		return d, err == nil
	}
	return decimal.Decimal{}, false
}
