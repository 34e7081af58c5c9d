package mapping

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
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
	refunds     passthrough.Table
	headerProg  *rowProgram // when rules, header columns, and the list lines come from
	lineProg    *rowProgram // lines.when and line columns
	cancelProg  *rowProgram // header key columns and cancel columns
	refundProg  *rowProgram // refunds.when and refund columns
	hasLines    bool
	balance     bool // check that the order adds up before it is mapped (balance:)
	headerBlock blockInfo
	lineBlock   blockInfo
	refundBlock blockInfo
	cancelCols  []column
	version     string // identifies the file's text
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
	// TimeZone is the shop's time zone (an IANA name, from shop.json): expressions read it
	// as timezone, and local(t) gives t's date and time there. Empty keeps the offset
	// Shopify sent.
	TimeZone string
	// Only, when not nil, holds the line items (by id) the ERP ships: those assigned to its
	// locations. The other lines are left out before lines.when sees them.
	Only map[int64]bool
}

func (in OrderInput) headerEnv() headerEnv {
	return headerEnv{Shop: in.Shop, Order: in.Order, Now: in.Now, TimeZone: in.TimeZone}
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
	}{h: in.headerEnv(), l: lineEnv{Shop: in.Shop, Order: in.Order, Now: in.Now, TimeZone: in.TimeZone}}
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
		if m.balance {
			if err := checkBalance(in.Order); err != nil {
				return nil, err
			}
		}
		return res, nil
	}
	if items, ok := out.extra.([]*record.LineItem); ok {
		res.LineRows = make([]passthrough.Row, 0, len(items))
	}
	n, elsewhere := 0, 0
	err = eachLine(out.extra, func(i int, li *record.LineItem) error {
		n++
		if in.Only != nil && !in.Only[li.ID] {
			elsewhere++
			return nil
		}
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
	case elsewhere == n:
		return nil, &passthrough.RecordError{Severity: passthrough.SeverityInfo,
			Message: fmt.Sprintf("no line to import: all %d lines are assigned to locations the ERP does not ship from", n)}
	case len(res.LineRows) == 0 && elsewhere > 0:
		return nil, &passthrough.RecordError{Severity: passthrough.SeverityInfo,
			Message: fmt.Sprintf("no line to import: %d lines are assigned to locations the ERP does not ship from, and lines.when leaves out the other %d", elsewhere, n-elsewhere)}
	case len(res.LineRows) == 0:
		return nil, &passthrough.RecordError{Severity: passthrough.SeverityInfo,
			Message: fmt.Sprintf("no line to import: lines.when leaves out all %d lines", n)}
	}
	// Only an order that would be staged is checked: one left out says why it is.
	if m.balance {
		if err := checkBalance(in.Order); err != nil {
			return nil, err
		}
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
	env := in.headerEnv()
	out, err := m.cancelProg.run(vmm, &env, where{label: "cancel: "})
	if err != nil {
		return passthrough.Row{}, err
	}
	return passthrough.Row{Columns: m.cancelProg.names, Values: out.values}, nil
}

// Version identifies the file's text: it changes when the file is edited, so a feed can tell
// rows staged with another version of the mapping.
func (m *Orders) Version() string { return m.version }

// textVersion is the first 16 hex digits of a SHA-256 of a file's lines.
func textVersion(lines []string) string {
	h := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	return hex.EncodeToString(h[:])[:16]
}

// Header is the table the header row goes to, with its key.
func (m *Orders) Header() passthrough.Table { return m.header }

// Lines is the table line rows go to, with its key; empty when the file has no lines block.
func (m *Orders) Lines() passthrough.Table { return m.lines }

// Refunds is the table refund rows go to, with its key; empty when the file has no refunds
// block, and refunds are then not staged.
func (m *Orders) Refunds() passthrough.Table { return m.refunds }

// Refund maps one refund of an order into its rows: one per refund line item, then one per
// order adjustment (shipping refunded, a discrepancy), each kept or left out by refunds.when.
// A refund the mapping cannot handle gives a *passthrough.RecordError naming the refund and
// the column. nil when the file has no refunds block.
func (m *Orders) Refund(in OrderInput, r *record.Refund) ([]passthrough.Row, error) {
	if in.Order == nil || r == nil {
		return nil, errors.New("map refund: no order or no refund")
	}
	if m.refundProg == nil {
		return nil, nil
	}
	vmm := m.vms.get()
	defer m.vms.put(vmm)
	env := &refundEnv{Shop: in.Shop, Order: in.Order, Now: in.Now, TimeZone: in.TimeZone, Refund: r}
	var rows []passthrough.Row
	one := func(n int, what string) error {
		env.Index = len(rows)
		out, err := m.refundProg.run(vmm, env, where{label: fmt.Sprintf("refund %d, %s %d: ", r.ID, what, n)})
		if err != nil || out.skipped {
			return err
		}
		rows = append(rows, passthrough.Row{Columns: m.refundProg.names, Values: out.values})
		return nil
	}
	for i, li := range r.RefundLineItems {
		env.Line, env.Adjustment = li, nil
		if err := one(i+1, "line"); err != nil {
			return nil, err
		}
	}
	for i, adj := range r.OrderAdjustments {
		env.Line, env.Adjustment = &record.RefundLineItem{}, adj
		if err := one(i+1, "adjustment"); err != nil {
			return nil, err
		}
	}
	return rows, nil
}

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

var orderBlocks = []string{"defaults", "lookups", "when", "balance", "header", "lines", "cancel", "refunds"}

// parseOrders reads orders.yaml.
func parseOrders(src *yamlfile.Source, root *yaml.Node) *Orders {
	top := src.Fields(yamlfile.Field{Val: root}, "orders.yaml", orderBlocks, []string{"header"})
	if top == nil {
		return nil
	}
	c := &exprCompiler{src: src, defaults: parseDefaults(src, top["defaults"].Val), lookups: parseLookups(src, top["lookups"].Val)}
	m := &Orders{file: src.Name, balance: true, version: textVersion(src.Lines)}
	if f, ok := top["balance"]; ok {
		if f.Val.Kind == yaml.ScalarNode && f.Val.ShortTag() == "!!bool" {
			m.balance = f.Val.Value == "true"
		} else {
			src.Errorf(f.Val, "true or false", "balance says whether an order must add up before it is staged: true or false")
		}
	}
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
	var refunds struct {
		cols  []column
		when  *compiled
		table passthrough.Table
		node  *yaml.Node
	}
	if f, ok := top["refunds"]; ok {
		b := src.Fields(f, "refunds", []string{"table", "key", "when", "columns"}, []string{"table", "key", "columns"})
		refunds.table, refunds.node = parseTable(src, b)
		if fl, ok := b["when"]; ok {
			refunds.when = c.compile(fl.Val, &refundEnv{}, wantBool)
		}
		refunds.cols = parseColumns(src, c, b, &refundEnv{})
		checkKey(src, b, "refunds")
	}
	var cancel []column
	if f, ok := top["cancel"]; ok {
		b := src.Fields(f, "cancel", []string{"columns"}, []string{"columns"})
		cancel = parseColumns(src, c, b, &headerEnv{})
	}
	if !src.Diags.Empty() {
		return nil
	}

	m.header, m.lines, m.refunds = header.table, lines.table, refunds.table
	m.headerBlock = blockInfo{src: src, tableNode: header.node, cols: header.cols}
	m.lineBlock = blockInfo{src: src, tableNode: lines.node, cols: lines.cols}
	m.refundBlock = blockInfo{src: src, tableNode: refunds.node, cols: refunds.cols}
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
	if refunds.node != nil {
		if m.refundProg, err = newRowProgram(c, &refundEnv{}, nil, refunds.when, refunds.cols, nil); err != nil {
			src.Errorf(refunds.node, "", "%v", err)
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
