package mapping

import (
	"context"
	"fmt"
	"strings"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/mapping/internal/yamlfile"
)

// ColumnSource reports the real columns of a table; the ERP store implements it
// (INFORMATION_SCHEMA, PRAGMA table_info).
type ColumnSource interface {
	TableColumns(ctx context.Context, table string) ([]passthrough.Column, error)
}

// CheckColumns checks the orders mapping's target columns against the real tables: every
// column must exist, its type family must be able to hold what the expression gives, and
// text known to be longer than the column (a constant, a cut, a lookup's longest value) is
// reported. It returns nil when everything fits, or *Diagnostics listing every problem
// (a table that cannot be read is one of them, placed at its table: line).
func CheckColumns(ctx context.Context, set *Set, src ColumnSource) error {
	if set == nil || set.Orders == nil {
		return nil
	}
	m := set.Orders
	diags := &Diagnostics{}
	tables := map[string]map[string]passthrough.Column{}
	read := func(b blockInfo, table string) map[string]passthrough.Column {
		if cols, ok := tables[table]; ok {
			return cols
		}
		cols, err := src.TableColumns(ctx, table)
		if err != nil {
			tables[table] = nil
			diags.Add(b.src.DiagNode(b.tableNode, "a table of the ERP database", "table %s: %v", table, err))
			return nil
		}
		byName := make(map[string]passthrough.Column, len(cols))
		for _, c := range cols {
			byName[strings.ToLower(c.Name)] = c
		}
		tables[table] = byName
		return byName
	}
	check := func(b blockInfo, cols []column, table string) {
		if table == "" || len(cols) == 0 {
			return
		}
		real := read(b, table)
		if real == nil {
			return
		}
		for _, c := range cols {
			diags.Add(checkColumn(b.src, c, table, real)...)
		}
	}
	check(m.headerBlock, m.headerBlock.cols, m.header.Name)
	check(m.lineBlock, m.lineBlock.cols, m.lines.Name)
	check(m.headerBlock, m.cancelCols, m.header.Name)
	check(m.refundBlock, m.refundBlock.cols, m.refunds.Name)
	if diags.Empty() {
		return nil
	}
	diags.Sort()
	return diags
}

func checkColumn(src *yamlfile.Source, c column, table string, real map[string]passthrough.Column) []Diagnostic {
	rc, ok := real[strings.ToLower(c.name)]
	if !ok {
		names := make([]string, 0, len(real))
		for _, r := range real {
			names = append(names, r.Name)
		}
		exp := "a column of " + table
		if m := yamlfile.DidYouMean(c.name, names); m != "" {
			exp = "did you mean " + m + "?"
		}
		return []Diagnostic{src.DiagNode(c.key, exp, "table %s has no column %s", table, c.name)}
	}
	if rc.Kind == passthrough.KindText && rc.MaxLength == 1 && c.x.kind == kindBool {
		return nil // a flag: the store writes 'Y' or 'N', as ERPs keep them
	}
	if !kindFits(rc.Kind, c.x.kind) {
		return []Diagnostic{src.DiagNode(c.x.node, fmt.Sprintf("%s, which %s (%s) holds", kindForColumn(rc.Kind), rc.Name, rc.DataType),
			"column %s is %s but the expression gives %s", rc.Name, rc.DataType, c.x.kind)}
	}
	if rc.Kind == passthrough.KindText && rc.MaxLength > 0 && c.x.width > rc.MaxLength {
		return []Diagnostic{src.DiagNode(c.x.node, fmt.Sprintf("at most %d characters, e.g. cut(…, %d)", rc.MaxLength, rc.MaxLength),
			"column %s holds %d characters but this gives up to %d", rc.Name, rc.MaxLength, c.x.width)}
	}
	return nil
}

func kindForColumn(k passthrough.ColumnKind) string {
	switch k {
	case passthrough.KindText:
		return "text (string(…) turns a number into text)"
	case passthrough.KindInteger:
		return "a whole number"
	case passthrough.KindDecimal:
		return "a number"
	case passthrough.KindTime:
		return "a time"
	case passthrough.KindBool:
		return "true or false"
	}
	return "a value"
}
