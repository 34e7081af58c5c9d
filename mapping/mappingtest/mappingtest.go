// Package mappingtest runs the mapping tests that ship with the mappings
// (mappings/tests/*.yaml): an input record and what the mapping must make of it. Pro
// services run them with `passthrough mapping test`, make test runs them too. Each record
// goes through mapping.Set.Preview, the entry point the portal and the CLI use, so a test
// checks what the feed does. mappings/README.md describes the format; in short:
//
//	name: an unpaid order waits
//	feed: orders                      # orders (the default), shipments or inventory
//	timezone: America/New_York        # the shop's time zone, for local() (default: none)
//	payload: payloads/order.json      # a JSON file next to the test, or inline: order: {…}
//	set:                              # changes to the payload, by path
//	  financial_status: pending
//	expect:
//	  rejected: {severity: retry, message: "not paid yet: financial status is pending"}
package mappingtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/shopspring/decimal"
	"go.yaml.in/yaml/v3"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/mapping"
	"github.com/passthrough-dev/passthrough/mapping/internal/yamlfile"
	"github.com/passthrough-dev/passthrough/record"
)

// Result is the outcome of one mapping test file.
type Result struct {
	File     string   // the test file's path
	Name     string   // its name: field, or the file name
	Feed     string   // orders, shipments or inventory
	Problems []string // empty when it passed
}

// Passed reports whether the mapping did what the test expects.
func (r Result) Passed() bool { return len(r.Problems) == 0 }

// RunDir is `passthrough mapping test DIR`: it loads the mappings of dir, runs the tests of
// dir/tests and writes a pass/fail table to w, with each failing test's problems under it.
// It fails when a mapping does not load (writing its problems) or a test fails.
func RunDir(w io.Writer, dir string) error {
	set, err := mapping.LoadDir(dir)
	if err != nil {
		return mapping.Report(w, err)
	}
	results, err := Run(set, filepath.Join(dir, "tests"))
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RESULT\tFEED\tTEST\tNAME")
	failed := 0
	for _, r := range results {
		status := "pass"
		if !r.Passed() {
			status = "FAIL"
			failed++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", status, r.Feed, filepath.Base(r.File), r.Name)
		for _, p := range r.Problems {
			for _, line := range strings.Split(p, "\n") {
				fmt.Fprintf(tw, "\t\t\t  %s\n", line)
			}
		}
	}
	tw.Flush()
	fmt.Fprintf(w, "\n%d passed, %d failed\n", len(results)-failed, failed)
	if failed > 0 {
		return fmt.Errorf("%d of %d mapping tests failed", failed, len(results))
	}
	return nil
}

// Run runs every *.yaml test in dir against set, in file name order.
func Run(set *mapping.Set, dir string) ([]Result, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, fmt.Errorf("list mapping tests: %w", err)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no mapping tests (*.yaml) in %s", dir)
	}
	sort.Strings(names)
	results := make([]Result, 0, len(names))
	for _, n := range names {
		results = append(results, runFile(set, n))
	}
	return results, nil
}

// mappingTest is one test file.
type mappingTest struct {
	file    string
	dir     string
	src     *yamlfile.Source
	name    string
	feed    string
	shop    string
	now     time.Time
	zone    string // the shop's time zone, for local()
	payload any    // the record, as a JSON-like tree
	expect  map[string]yamlfile.Field
	// rejected: the severity and (when given) the message the record must be rejected with
	rejSeverity, rejMessage string
}

func runFile(set *mapping.Set, file string) Result {
	res := Result{File: file, Name: strings.TrimSuffix(filepath.Base(file), ".yaml"), Feed: mapping.FeedOrders}
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
	diags := &yamlfile.Diagnostics{}
	src := yamlfile.NewSource(file, text, diags)
	t := &mappingTest{file: file, dir: filepath.Dir(file), src: src, feed: mapping.FeedOrders, shop: "test-shop",
		now: time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)}
	root := src.Parse()
	if root == nil {
		return t, diags
	}
	f := src.Fields(yamlfile.Field{Val: root}, "a mapping test",
		[]string{"name", "feed", "shop", "timezone", "now", "payload", "order", "shipment", "stock", "set", "expect"}, []string{"expect"})
	if f == nil {
		return t, diags
	}
	if v, ok := f["name"]; ok {
		t.name, _ = src.Scalar(v.Val, "name")
	}
	if v, ok := f["feed"]; ok {
		t.feed, _ = src.Scalar(v.Val, "feed")
		if t.feed != mapping.FeedOrders && t.feed != mapping.FeedShipments && t.feed != mapping.FeedInventory {
			src.Errorf(v.Val, "orders, shipments or inventory", "unknown feed %q", t.feed)
		}
	}
	if v, ok := f["shop"]; ok {
		t.shop, _ = src.Scalar(v.Val, "shop")
	}
	if v, ok := f["timezone"]; ok {
		if t.zone, ok = src.Scalar(v.Val, "timezone"); ok {
			if _, err := time.LoadLocation(t.zone); err != nil {
				src.Errorf(v.Val, "a time zone of the tz database, e.g. America/New_York", "unknown time zone %q", t.zone)
			}
		}
	}
	if v, ok := f["now"]; ok {
		if s, ok := src.Scalar(v.Val, "now"); ok {
			if t.now, err = time.Parse(time.RFC3339, s); err != nil {
				src.Errorf(v.Val, "a time like 2026-07-01T12:00:00Z", "%q is not a time", s)
			}
		}
	}
	inline := map[string]string{mapping.FeedOrders: "order", mapping.FeedShipments: "shipment", mapping.FeedInventory: "stock"}[t.feed]
	switch p, inl := f["payload"], f[inline]; {
	case p.Val != nil && inl.Val != nil:
		src.Errorf(inl.Key, "payload: FILE or "+inline+": {…}, not both", "the test has both payload and %s", inline)
	case p.Val != nil:
		if s, ok := src.Scalar(p.Val, "payload"); ok {
			raw, err := os.ReadFile(filepath.Join(t.dir, filepath.FromSlash(s)))
			if err != nil {
				src.Errorf(p.Val, "a JSON file, relative to the test", "cannot read payload: %v", err)
			} else if t.payload, err = record.ParseJSON(raw); err != nil {
				src.Errorf(p.Val, "a JSON file", "payload %s: %v", s, err)
			}
		}
	case inl.Val != nil:
		t.payload = yamlTree(inl.Val)
	default:
		src.Errorf(root, "payload: FILE or "+inline+": {…}", "the test has no input")
	}
	if obj, ok := t.payload.(map[string]any); ok && t.feed == mapping.FeedOrders {
		if inner, ok := obj["order"].(map[string]any); ok && len(obj) == 1 {
			t.payload = inner
		}
	}
	if v, ok := f["set"]; ok && t.payload != nil {
		if v.Val.Kind != yaml.MappingNode {
			src.Errorf(v.Val, "path: value pairs, e.g. line_items.0.gift_card: true", "set must be a block")
		} else {
			for i := 0; i+1 < len(v.Val.Content); i += 2 {
				k, val := v.Val.Content[i], v.Val.Content[i+1]
				if err := setPath(&t.payload, strings.Split(k.Value, "."), yamlTree(val)); err != nil {
					src.Errorf(k, "a path into the payload, e.g. line_items.0.gift_card", "set %s: %v", k.Value, err)
				}
			}
		}
	}
	if v, ok := f["expect"]; ok {
		allowed, ok := map[string][]string{
			mapping.FeedOrders:    {"header", "lines", "cancel", "refunds", "rejected"},
			mapping.FeedShipments: {"fulfillment", "rejected"},
			mapping.FeedInventory: {"level", "rejected"},
		}[t.feed]
		if !ok {
			allowed = []string{"header", "lines", "cancel", "refunds", "fulfillment", "level", "rejected"}
		}
		t.expect = src.Fields(v, "expect", allowed, nil)
		if len(t.expect) == 0 && diags.Empty() {
			src.Errorf(v.Val, yamlfile.QuoteList(allowed), "expect says nothing")
		}
		if r, ok := t.expect["rejected"]; ok {
			rf := src.Fields(r, "rejected", []string{"severity", "message"}, []string{"severity"})
			if sv, ok := rf["severity"]; ok {
				t.rejSeverity, _ = src.Scalar(sv.Val, "severity")
				if !passthrough.Severity(t.rejSeverity).Valid() {
					src.Errorf(sv.Val, "info, retry or error", "unknown severity %q", t.rejSeverity)
				}
			}
			if m, ok := rf["message"]; ok {
				t.rejMessage, _ = src.Scalar(m.Val, "message")
			}
			if len(t.expect) > 1 {
				src.Errorf(r.Key, "either rows or rejected", "a test expects rows or a rejection, not both")
			}
		}
	}
	if !diags.Empty() {
		return t, diags
	}
	return t, nil
}

// run maps the test's record and compares with what it expects.
func (t *mappingTest) run(set *mapping.Set) []string {
	var probs []string
	fail := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }
	raw, err := json.Marshal(t.payload) // json.Number values stay as they were written
	if err != nil {
		return []string{"payload: " + err.Error()}
	}
	tables, err := set.Preview(mapping.PreviewInput{Feed: t.feed, Raw: raw, Shop: t.shop, Now: t.now, TimeZone: t.zone})
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
	for _, block := range slices.Sorted(maps.Keys(t.expect)) {
		exp := t.expect[block].Val
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
		return timeMatches(g, want.Value)
	}
	return false
}

// timeMatches compares a time with the text a test expects: an instant (with its offset,
// 2008-01-10T11:00:00-05:00), or a date and time without a zone (2008-01-10T11:00:00, or
// with a space), which is what local() gives: the shop's wall clock.
func timeMatches(got time.Time, want string) bool {
	if t, err := time.Parse(time.RFC3339, want); err == nil {
		return got.Location() != mapping.WallClock && t.Equal(got)
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, want); err == nil {
			return got.Location() == mapping.WallClock && t.Equal(got)
		}
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
	return mapping.Display(v)
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
