package sqlstore

import (
	"errors"
	"fmt"
	"strings"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
)

// Table is a real table as the database describes it. Only names found here are ever put
// in SQL, so a column name from a mapping cannot smuggle anything in.
type Table struct {
	Name    string
	Columns []passthrough.Column
	exact   map[string]int
	folded  map[string][]int
}

// NewTable indexes cols by name.
func NewTable(name string, cols []passthrough.Column) *Table {
	t := &Table{Name: name, Columns: cols, exact: map[string]int{}, folded: map[string][]int{}}
	for i, c := range cols {
		t.exact[c.Name] = i
		k := strings.ToLower(c.Name)
		t.folded[k] = append(t.folded[k], i)
	}
	return t
}

// Column finds a column by its exact name or, failing that, by the one name that matches
// ignoring case (SQL Server and unquoted SQL compare names that way).
func (t *Table) Column(name string) (passthrough.Column, error) {
	i, err := t.position(name)
	if err != nil {
		return passthrough.Column{}, err
	}
	return t.Columns[i], nil
}

func (t *Table) position(name string) (int, error) {
	if i, ok := t.exact[name]; ok {
		return i, nil
	}
	if idx := t.folded[strings.ToLower(name)]; len(idx) == 1 {
		return idx[0], nil
	}
	return 0, fmt.Errorf("table %s has no column %q: %w", t.Name, name, erp.ErrUnknownColumn)
}

// row is a mapping's row resolved against a table: real columns (the table's own, not
// copies: an order has hundreds of values) and values ready to bind.
type row struct {
	cols []*passthrough.Column
	vals []any
}

func (r row) names() []string {
	out := make([]string, len(r.cols))
	for i, c := range r.cols {
		out[i] = c.Name
	}
	return out
}

func (r row) index(name string) int {
	for i, c := range r.cols {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// set replaces the value of column c, or appends it.
func (r *row) set(c *passthrough.Column, v any) {
	if i := r.index(c.Name); i >= 0 {
		r.vals[i] = v
		return
	}
	r.cols = append(r.cols, c)
	r.vals = append(r.vals, v)
}

// resolve checks a mapping's row against the table: every column must exist and appear
// once, every value must be of a kind the store binds and fit its column. Values come back
// normalised and bound for the dialect.
func resolve(d Dialect, t *Table, in passthrough.Row) (row, error) {
	if len(in.Columns) != len(in.Values) {
		return row{}, fmt.Errorf("%s row has %d columns and %d values", t.Name, len(in.Columns), len(in.Values))
	}
	out := row{cols: make([]*passthrough.Column, 0, len(in.Columns)+2), vals: make([]any, 0, len(in.Columns)+2)}
	seen := make([]bool, len(t.Columns))
	for i, name := range in.Columns {
		pos, err := t.position(name)
		if err != nil {
			return row{}, err
		}
		c := &t.Columns[pos]
		if seen[pos] {
			return row{}, fmt.Errorf("%s row names column %q twice: %w", t.Name, c.Name, erp.ErrInvalidValue)
		}
		seen[pos] = true
		v, err := bindValue(d, t, *c, in.Values[i])
		if err != nil {
			return row{}, err
		}
		out.cols = append(out.cols, c)
		out.vals = append(out.vals, v)
	}
	return out, nil
}

// keyOf returns the row's values of the key columns, which must all be there.
func keyOf(t *Table, r row, key []string) ([]passthrough.Column, []any, error) {
	if len(key) == 0 {
		return nil, nil, fmt.Errorf("table %s: no key columns given: %w", t.Name, erp.ErrInvalidValue)
	}
	cols := make([]passthrough.Column, len(key))
	vals := make([]any, len(key))
	for i, k := range key {
		c, err := t.Column(k)
		if err != nil {
			return nil, nil, err
		}
		j := r.index(c.Name)
		if j < 0 {
			return nil, nil, fmt.Errorf("%s row lacks key column %q: %w", t.Name, c.Name, erp.ErrInvalidValue)
		}
		if r.vals[j] == nil {
			return nil, nil, fmt.Errorf("%s row has no value for key column %q: %w", t.Name, c.Name, erp.ErrInvalidValue)
		}
		cols[i], vals[i] = c, r.vals[j]
	}
	return cols, vals, nil
}

func isSentinel(err error) bool {
	for _, s := range []error{erp.ErrNotFound, erp.ErrDuplicate, erp.ErrRetryable, erp.ErrImported, erp.ErrUnknownColumn, erp.ErrInvalidValue, erp.ErrDenied, erp.ErrOutdated} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}
