package mapping

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/mapping/internal/yamlfile"
	"github.com/passthrough-dev/passthrough/record"
)

// Orders is the compiled orders.yaml: Shopify orders into a header table and a lines table.
// It is safe for concurrent use.
type Orders struct {
	file        string
	header      passthrough.Table
	lines       passthrough.Table
	headerProg  *rowProgram // when rules, header columns, and the list lines come from
	lineProg    *rowProgram // lines.when and line columns
	cancelProg  *rowProgram // header key columns and cancel columns
	hasLines    bool
	headerBlock blockInfo
	lineBlock   blockInfo
	cancelCols  []column
	vms         vmPool
}

// blockInfo keeps what CheckColumns needs to know about a block of columns.
type blockInfo struct {
	src       *yamlfile.Source
	tableNode *yaml.Node
	cols      []column
}

// OrderInput is one order to map.
type OrderInput struct {
	Shop  string
	Order *record.Order
	// Now is when the feed runs: expressions read it as now, so a mapping run twice on the
	// same input gives the same rows.
	Now time.Time
}

// Map maps one order. A rejected order gives a *passthrough.RecordError: a when rule's
// severity and message, severity error with fail()'s message, or severity error naming the
// column whose expression failed.
func (m *Orders) Map(in OrderInput) (*passthrough.OrderRows, error) {
	if in.Order == nil {
		return nil, errors.New("map order: no order")
	}
	vmm := m.vms.get()
	defer m.vms.put(vmm)
	envs := &struct { // one allocation for both environments
		h headerEnv
		l lineEnv
	}{h: headerEnv(in), l: lineEnv{Shop: in.Shop, Order: in.Order, Now: in.Now}}
	henv, lenv := &envs.h, &envs.l
	out, err := m.headerProg.run(vmm, henv, where{})
	if err != nil {
		return nil, err
	}
	if out.failed != nil {
		return nil, reject(out.failed, vmm, henv)
	}
	res := &passthrough.OrderRows{
		Header:    m.header,
		HeaderRow: passthrough.Row{Columns: m.headerProg.names, Values: out.values},
		Lines:     m.lines,
	}
	if !m.hasLines {
		return res, nil
	}
	if items, ok := out.extra.([]*record.LineItem); ok {
		res.LineRows = make([]passthrough.Row, 0, len(items))
	}
	n := 0
	err = eachLine(out.extra, func(i int, li *record.LineItem) error {
		n++
		lenv.Line, lenv.Index = li, len(res.LineRows)
		lo, err := m.lineProg.run(vmm, lenv, where{line: i + 1, label: lineLabel(li)})
		if err != nil || lo.skipped {
			return err
		}
		res.LineRows = append(res.LineRows, passthrough.Row{Columns: m.lineProg.names, Values: lo.values})
		return nil
	})
	if err != nil {
		return nil, err
	}
	switch {
	case n == 0:
		return nil, &passthrough.RecordError{Severity: passthrough.SeverityInfo, Message: "no line to import: the order has no lines"}
	case len(res.LineRows) == 0:
		return nil, &passthrough.RecordError{Severity: passthrough.SeverityInfo,
			Message: fmt.Sprintf("no line to import: lines.when leaves out all %d lines", n)}
	}
	return res, nil
}

// Cancel gives the header columns to set when an order is cancelled after it was staged:
// the header's key columns and those of the cancel block.
func (m *Orders) Cancel(in OrderInput) (passthrough.Row, error) {
	if in.Order == nil {
		return passthrough.Row{}, errors.New("cancel order: no order")
	}
	if m.cancelProg == nil {
		return passthrough.Row{}, fmt.Errorf("%s has no cancel block", m.file)
	}
	vmm := m.vms.get()
	defer m.vms.put(vmm)
	out, err := m.cancelProg.run(vmm, &headerEnv{Shop: in.Shop, Order: in.Order, Now: in.Now}, where{label: "cancel: "})
	if err != nil {
		return passthrough.Row{}, err
	}
	return passthrough.Row{Columns: m.cancelProg.names, Values: out.values}, nil
}

// Header is the table the header row goes to, with its key.
func (m *Orders) Header() passthrough.Table { return m.header }

// Lines is the table line rows go to, with its key; empty when the file has no lines block.
func (m *Orders) Lines() passthrough.Table { return m.lines }

func lineLabel(li *record.LineItem) string {
	if li.SKU != "" {
		return li.SKU
	}
	return li.Title
}

// eachLine walks the list lines come from: order.line_items, or anything that gives line
// items (a filter of them, a fulfillment's lines).
func eachLine(v any, fn func(i int, li *record.LineItem) error) error {
	switch list := v.(type) {
	case nil:
		return nil
	case []*record.LineItem:
		for i, li := range list {
			if err := fn(i, li); err != nil {
				return err
			}
		}
		return nil
	case []any:
		for i, x := range list {
			var li *record.LineItem
			switch y := x.(type) {
			case record.LineItem:
				li = &y
			case *record.LineItem:
				li = y
			default:
				return &passthrough.RecordError{Severity: passthrough.SeverityError,
					Message: fmt.Sprintf("lines.from gave %s, not line items", typeName(reflect.TypeOf(x)))}
			}
			if err := fn(i, li); err != nil {
				return err
			}
		}
		return nil
	}
	return &passthrough.RecordError{Severity: passthrough.SeverityError,
		Message: fmt.Sprintf("lines.from gave %s, not a list of line items", typeName(reflect.TypeOf(v)))}
}

var orderBlocks = []string{"defaults", "lookups", "when", "header", "lines", "cancel"}

// parseOrders reads orders.yaml.
func parseOrders(src *yamlfile.Source, root *yaml.Node) *Orders {
	top := src.Fields(yamlfile.Field{Val: root}, "orders.yaml", orderBlocks, []string{"header"})
	if top == nil {
		return nil
	}
	c := &exprCompiler{src: src, defaults: parseDefaults(src, top["defaults"].Val), lookups: parseLookups(src, top["lookups"].Val)}
	m := &Orders{file: src.Name}
	rules := parseRules(src, c, top["when"].Val, &headerEnv{})

	var header, lines struct {
		cols  []column
		from  *compiled
		when  *compiled
		table passthrough.Table
		node  *yaml.Node
	}
	if f, ok := top["header"]; ok {
		b := src.Fields(f, "header", []string{"table", "key", "columns"}, []string{"table", "key", "columns"})
		header.table, header.node = parseTable(src, b)
		header.cols = parseColumns(src, c, b, &headerEnv{})
		checkKey(src, b, "header")
	}
	if f, ok := top["lines"]; ok {
		m.hasLines = true
		b := src.Fields(f, "lines", []string{"table", "key", "from", "when", "columns"}, []string{"table", "key", "from", "columns"})
		lines.table, lines.node = parseTable(src, b)
		if fl, ok := b["from"]; ok {
			lines.from = c.compile(fl.Val, &headerEnv{}, wantList)
		}
		if fl, ok := b["when"]; ok {
			lines.when = c.compile(fl.Val, &lineEnv{}, wantBool)
		}
		lines.cols = parseColumns(src, c, b, &lineEnv{})
		checkKey(src, b, "lines")
	}
	var cancel []column
	if f, ok := top["cancel"]; ok {
		b := src.Fields(f, "cancel", []string{"columns"}, []string{"columns"})
		cancel = parseColumns(src, c, b, &headerEnv{})
	}
	if !src.Diags.Empty() {
		return nil
	}

	m.header, m.lines = header.table, lines.table
	m.headerBlock = blockInfo{src: src, tableNode: header.node, cols: header.cols}
	m.lineBlock = blockInfo{src: src, tableNode: lines.node, cols: lines.cols}
	m.cancelCols = cancel
	var err error
	if m.headerProg, err = newRowProgram(c, &headerEnv{}, rules, nil, header.cols, lines.from); err != nil {
		src.Errorf(header.node, "", "%v", err)
		return nil
	}
	if m.hasLines {
		if m.lineProg, err = newRowProgram(c, &lineEnv{}, nil, lines.when, lines.cols, nil); err != nil {
			src.Errorf(lines.node, "", "%v", err)
			return nil
		}
	}
	if top["cancel"].Val != nil {
		var cols []column
		for _, k := range m.header.Key {
			for _, hc := range header.cols {
				if hc.name == k {
					cols = append(cols, hc)
				}
			}
		}
		for _, cc := range cancel {
			if !slices.Contains(m.header.Key, cc.name) {
				cols = append(cols, cc)
			}
		}
		if m.cancelProg, err = newRowProgram(c, &headerEnv{}, nil, nil, cols, nil); err != nil {
			src.Errorf(top["cancel"].Key, "", "%v", err)
			return nil
		}
	}
	return m
}

// parseTable reads a block's table and key.
func parseTable(src *yamlfile.Source, b map[string]yamlfile.Field) (passthrough.Table, *yaml.Node) {
	var t passthrough.Table
	f, ok := b["table"]
	if !ok {
		return t, nil
	}
	if s, ok := src.Scalar(f.Val, "table"); ok {
		if tableName.MatchString(s) {
			t.Name = s
		} else {
			src.Errorf(f.Val, "letters, digits and _ (optionally schema.table)", "%q is not a table name", s)
		}
	}
	if k, ok := b["key"]; ok {
		t.Key = nameList(src, k.Val, "key")
	}
	return t, f.Val
}

// parseColumns reads a block's columns: column name → expression, in the file's order.
func parseColumns(src *yamlfile.Source, c *exprCompiler, b map[string]yamlfile.Field, env any) []column {
	f, ok := b["columns"]
	if !ok {
		return nil
	}
	n := f.Val
	if n.Kind != yaml.MappingNode || len(n.Content) == 0 {
		src.Errorf(n, "column: expression pairs", "columns must be a block of column: expression pairs")
		return nil
	}
	var cols []column
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !identifier.MatchString(k.Value) {
			src.Errorf(k, "letters, digits and _", "%q is not a column name", k.Value)
			continue
		}
		x := c.compile(v, env, wantValue)
		if x == nil {
			continue
		}
		cols = append(cols, column{name: k.Value, key: k, x: x})
	}
	return cols
}

// checkKey reports key columns the block does not fill.
func checkKey(src *yamlfile.Source, b map[string]yamlfile.Field, where string) {
	k, ok := b["key"]
	cols, ok2 := b["columns"]
	if !ok || !ok2 || cols.Val.Kind != yaml.MappingNode || k.Val.Kind != yaml.SequenceNode {
		return
	}
	for _, item := range k.Val.Content {
		name := item.Value
		found := false
		for j := 0; j+1 < len(cols.Val.Content); j += 2 {
			found = found || cols.Val.Content[j].Value == name
		}
		if !found {
			src.Errorf(item, "a column of "+where+".columns", "key column %s is not among the %s columns", name, where)
		}
	}
}
