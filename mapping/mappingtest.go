package mapping

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"go.yaml.in/yaml/v3"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/record"
)

// Mapping tests ship with the mappings (mappings/tests/*.yaml): an input record and what the
// mapping must make of it. Pro services run them with `passthrough mapping test`, make test
// runs them too. mappings/README.md describes the format; in short:
//
//	name: an unpaid order waits
//	feed: orders                      # orders (the default), shipments or inventory
//	payload: payloads/order.json      # a JSON file next to the test, or inline: order: {…}
//	set:                              # changes to the payload, by path
//	  financial_status: pending
//	expect:
//	  rejected: {severity: retry, message: "not paid yet: financial status is pending"}

// TestResult is the outcome of one mapping test file.
type TestResult struct {
	File     string   // the test file's path
	Name     string   // its name: field, or the file name
	Feed     string   // orders, shipments or inventory
	Problems []string // empty when it passed
}

// Passed reports whether the mapping did what the test expects.
func (r TestResult) Passed() bool { return len(r.Problems) == 0 }

// RunTests runs every *.yaml test in dir against set, in file name order.
func RunTests(set *Set, dir string) ([]TestResult, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, fmt.Errorf("list mapping tests: %w", err)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no mapping tests (*.yaml) in %s", dir)
	}
	sort.Strings(names)
	results := make([]TestResult, 0, len(names))
	for _, n := range names {
		results = append(results, runTestFile(set, n))
	}
	return results, nil
}

// mappingTest is one test file.
type mappingTest struct {
	file    string
	dir     string
	src     *source
	name    string
	feed    string
	shop    string
	now     time.Time
	payload any // the record, as a JSON-like tree
	expect  map[string]field
	// rejected: the severity and (when given) the message the record must be rejected with
	rejSeverity, rejMessage string
}

func runTestFile(set *Set, file string) TestResult {
	res := TestResult{File: file, Name: strings.TrimSuffix(filepath.Base(file), ".yaml"), Feed: FeedOrders}
	t, err := readTest(file)
	if t != nil {
		res.Feed = t.feed
		if t.name != "" {
			res.Name = t.name
		}
	}
	if err != nil {
		res.Problems = append(res.Problems, err.Error())
		return res
	}
	res.Problems = t.run(set)
	return res
}

func readTest(file string) (*mappingTest, error) {
	text, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read test: %w", err)
	}
	diags := &Diagnostics{}
	src := newSource(file, text, diags)
	t := &mappingTest{file: file, dir: filepath.Dir(file), src: src, feed: FeedOrders, shop: "test-shop",
		now: time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)}
	root := parseYAML(src, text)
	if root == nil {
		return t, diags
	}
	f := fields(src, field{val: root}, "a mapping test",
		[]string{"name", "feed", "shop", "now", "payload", "order", "shipment", "stock", "set", "expect"}, []string{"expect"})
	if f == nil {
		return t, diags
	}
	if v, ok := f["name"]; ok {
		t.name, _ = scalar(src, v.val, "name")
	}
	if v, ok := f["feed"]; ok {
		t.feed, _ = scalar(src, v.val, "feed")
		if t.feed != FeedOrders && t.feed != FeedShipments && t.feed != FeedInventory {
			src.errorf(v.val, "orders, shipments or inventory", "unknown feed %q", t.feed)
		}
	}
	if v, ok := f["shop"]; ok {
		t.shop, _ = scalar(src, v.val, "shop")
	}
	if v, ok := f["now"]; ok {
		if s, ok := scalar(src, v.val, "now"); ok {
			if t.now, err = time.Parse(time.RFC3339, s); err != nil {
				src.errorf(v.val, "a time like 2026-07-01T12:00:00Z", "%q is not a time", s)
			}
		}
	}
	inline := map[string]string{FeedOrders: "order", FeedShipments: "shipment", FeedInventory: "stock"}[t.feed]
	switch p, inl := f["payload"], f[inline]; {
	case p.val != nil && inl.val != nil:
		src.errorf(inl.key, "payload: FILE or "+inline+": {…}, not both", "the test has both payload and %s", inline)
	case p.val != nil:
		if s, ok := scalar(src, p.val, "payload"); ok {
			raw, err := os.ReadFile(filepath.Join(t.dir, filepath.FromSlash(s)))
			if err != nil {
				src.errorf(p.val, "a JSON file, relative to the test", "cannot read payload: %v", err)
			} else if t.payload, err = record.ParseJSON(raw); err != nil {
				src.errorf(p.val, "a JSON file", "payload %s: %v", s, err)
			}
		}
	case inl.val != nil:
		t.payload = yamlTree(inl.val)
	default:
		src.errorf(root, "payload: FILE or "+inline+": {…}", "the test has no input")
	}
	if obj, ok := t.payload.(map[string]any); ok && t.feed == FeedOrders {
		if inner, ok := obj["order"].(map[string]any); ok && len(obj) == 1 {
			t.payload = inner
		}
	}
	if v, ok := f["set"]; ok && t.payload != nil {
		if v.val.Kind != yaml.MappingNode {
			src.errorf(v.val, "path: value pairs, e.g. line_items.0.gift_card: true", "set must be a block")
		} else {
			for i := 0; i+1 < len(v.val.Content); i += 2 {
				k, val := v.val.Content[i], v.val.Content[i+1]
				if err := setPath(&t.payload, strings.Split(k.Value, "."), yamlTree(val)); err != nil {
					src.errorf(k, "a path into the payload, e.g. line_items.0.gift_card", "set %s: %v", k.Value, err)
				}
			}
		}
	}
	if v, ok := f["expect"]; ok {
		allowed, ok := map[string][]string{
			FeedOrders:    {"header", "lines", "cancel", "rejected"},
			FeedShipments: {"fulfillment", "rejected"},
			FeedInventory: {"level", "rejected"},
		}[t.feed]
		if !ok {
			allowed = []string{"header", "lines", "cancel", "fulfillment", "level", "rejected"}
		}
		t.expect = fields(src, v, "expect", allowed, nil)
		if len(t.expect) == 0 && diags.empty() {
			src.errorf(v.val, quoteList(allowed), "expect says nothing")
		}
		if r, ok := t.expect["rejected"]; ok {
			rf := fields(src, r, "rejected", []string{"severity", "message"}, []string{"severity"})
			if sv, ok := rf["severity"]; ok {
				t.rejSeverity, _ = scalar(src, sv.val, "severity")
				if !passthrough.Severity(t.rejSeverity).Valid() {
					src.errorf(sv.val, "info, retry or error", "unknown severity %q", t.rejSeverity)
				}
			}
			if m, ok := rf["message"]; ok {
				t.rejMessage, _ = scalar(src, m.val, "message")
			}
			if len(t.expect) > 1 {
				src.errorf(r.key, "either rows or rejected", "a test expects rows or a rejection, not both")
			}
		}
	}
	if !diags.empty() {
		return t, diags
	}
	return t, nil
}

// run maps the test's record and compares with what it expects.
func (t *mappingTest) run(set *Set) []string {
	var probs []string
	fail := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }
	raw, err := json.Marshal(t.payload) // json.Number values stay as they were written
	if err != nil {
		return []string{"payload: " + err.Error()}
	}
	tables, err := set.Preview(PreviewInput{Feed: t.feed, Raw: raw, Shop: t.shop, Now: t.now})
	rows := map[string][]passthrough.Row{} // block → rows
	for _, tr := range tables {
		rows[tr.Block] = tr.Rows
	}
	_, wantRejected := t.expect["rejected"]
	if err != nil {
		var re *passthrough.RecordError
		if !errors.As(err, &re) {
			return append(probs, "mapping failed: "+err.Error())
		}
		if !wantRejected {
			return append(probs, fmt.Sprintf("rejected (%s): %s", re.Severity, re.Message))
		}
		if string(re.Severity) != t.rejSeverity {
			fail("rejected with severity %s, want %s (message: %s)", re.Severity, t.rejSeverity, re.Message)
		}
		if t.rejMessage != "" && re.Message != t.rejMessage {
			fail("rejected with message %q, want %q", re.Message, t.rejMessage)
		}
		return probs
	}
	if wantRejected {
		return append(probs, "mapped, want rejected with severity "+t.rejSeverity)
	}
	for _, block := range sortedKeys(t.expect) {
		exp := t.expect[block].val
		got := rows[block]
		if exp.Kind == yaml.SequenceNode {
			if len(got) != len(exp.Content) {
				fail("%s: %d rows, want %d", block, len(got), len(exp.Content))
				continue
			}
			for i, e := range exp.Content {
				compareRow(fmt.Sprintf("%s[%d]", block, i), got[i], e, fail)
			}
			continue
		}
		if len(got) != 1 {
			fail("%s: %d rows, want 1", block, len(got))
			continue
		}
		compareRow(block, got[0], exp, fail)
	}
	return probs
}

// compareRow compares the columns a test lists with the row's; columns it does not list are
// not compared.
func compareRow(where string, row passthrough.Row, exp *yaml.Node, fail func(string, ...any)) {
	if exp.Kind != yaml.MappingNode {
		fail("%s: expected columns as a block of column: value pairs", where)
		return
	}
	for i := 0; i+1 < len(exp.Content); i += 2 {
		col, want := exp.Content[i].Value, exp.Content[i+1]
		got, ok := row.Get(col)
		if !ok {
			fail("%s.%s: no such column (the row has %s)", where, col, strings.Join(row.Columns, ", "))
			continue
		}
		if !valueMatches(got, want) {
			fail("%s.%s: got %s, want %s", where, col, quoteValue(got), nodeText(want))
		}
	}
}

// valueMatches compares a row value with the YAML value a test expects, by the row
// value's type: decimals by value (598.94 = "598.940"), times by instant.
func valueMatches(got any, want *yaml.Node) bool {
	if want.Kind != yaml.ScalarNode {
		return false
	}
	if want.ShortTag() == "!!null" {
		return got == nil
	}
	switch g := got.(type) {
	case nil:
		return false
	case string:
		return g == want.Value
	case int64:
		n, err := strconv.ParseInt(want.Value, 10, 64)
		return err == nil && n == g
	case bool:
		b, err := strconv.ParseBool(want.Value)
		return err == nil && b == g
	case decimal.Decimal:
		d, err := decimal.NewFromString(want.Value)
		return err == nil && d.Equal(g)
	case time.Time:
		t, err := time.Parse(time.RFC3339, want.Value)
		return err == nil && t.Equal(g)
	}
	return false
}

func quoteValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return strconv.Quote(x)
	}
	return display(v)
}

func nodeText(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode {
		if n.ShortTag() == "!!str" {
			return strconv.Quote(n.Value)
		}
		return n.Value
	}
	b, _ := yaml.Marshal(n)
	return strings.TrimSpace(string(b))
}

// yamlTree turns a YAML node into the JSON-like tree payloads decode from: numbers stay
// numbers (json.Number), so inline payloads follow the same rules as Shopify's JSON.
func yamlTree(n *yaml.Node) any {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) > 0 {
			return yamlTree(n.Content[0])
		}
		return nil
	case yaml.AliasNode:
		return yamlTree(n.Alias)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			m[n.Content[i].Value] = yamlTree(n.Content[i+1])
		}
		return m
	case yaml.SequenceNode:
		s := make([]any, len(n.Content))
		for i, c := range n.Content {
			s[i] = yamlTree(c)
		}
		return s
	}
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!int", "!!float":
		return json.Number(n.Value)
	case "!!bool":
		b, _ := strconv.ParseBool(n.Value)
		return b
	}
	return n.Value
}

// setPath sets the value at a dotted path (line_items.0.gift_card) of a JSON-like tree.
// Objects get missing keys; a list index may be one past its end, to append.
func setPath(root *any, parts []string, v any) error {
	if len(parts) == 0 || parts[0] == "" {
		return errors.New("empty path")
	}
	switch node := (*root).(type) {
	case map[string]any:
		if len(parts) == 1 {
			node[parts[0]] = v
			return nil
		}
		child, ok := node[parts[0]]
		if !ok || child == nil {
			child = map[string]any{}
		}
		if err := setPath(&child, parts[1:], v); err != nil {
			return err
		}
		node[parts[0]] = child
		return nil
	case []any:
		i, err := strconv.Atoi(parts[0])
		if err != nil || i < 0 || i > len(node) {
			return fmt.Errorf("%q is not an index of a list of %d", parts[0], len(node))
		}
		if i == len(node) {
			node = append(node, map[string]any{})
			*root = node
		}
		if len(parts) == 1 {
			node[i] = v
			return nil
		}
		return setPath(&node[i], parts[1:], v)
	}
	return fmt.Errorf("%s is not an object or a list", parts[0])
}
