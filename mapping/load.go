package mapping

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
	"go.yaml.in/yaml/v3"

	"github.com/passthrough-dev/passthrough"
)

// Set is the mappings of one passthrough instance, one per feed. A feed whose file is
// absent has a nil mapping.
type Set struct {
	Orders    *Orders
	Shipments *Shipments
	Inventory *Inventory
}

// Files lists the files the set was loaded from, orders first.
func (s *Set) Files() []string {
	var files []string
	if s.Orders != nil {
		files = append(files, s.Orders.file)
	}
	if s.Shipments != nil {
		files = append(files, s.Shipments.file)
	}
	if s.Inventory != nil {
		files = append(files, s.Inventory.file)
	}
	return files
}

// Feed names, which are also the mapping files' names (orders.yaml …).
const (
	FeedOrders    = "orders"
	FeedShipments = "shipments"
	FeedInventory = "inventory"
)

// LoadDir loads every *.yaml file of dir (not its subfolders; mapping tests live in
// dir/tests). Problems are reported as *Diagnostics, every one of them at once.
func LoadDir(dir string) (*Set, error) {
	fsys := os.DirFS(dir)
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, fmt.Errorf("list mappings: %w", err)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no mapping files (*.yaml) in %s", dir)
	}
	files := make([]namedFile, 0, len(names))
	for _, n := range names {
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, fmt.Errorf("read mapping: %w", err)
		}
		files = append(files, namedFile{name: filepath.Join(dir, n), text: b})
	}
	return loadFiles(files)
}

// Load loads the named files of fsys, or every *.yaml at its root when no name is given.
func Load(fsys fs.FS, names ...string) (*Set, error) {
	if len(names) == 0 {
		var err error
		if names, err = fs.Glob(fsys, "*.yaml"); err != nil {
			return nil, fmt.Errorf("list mappings: %w", err)
		}
		if len(names) == 0 {
			return nil, errors.New("no mapping files (*.yaml)")
		}
	}
	files := make([]namedFile, 0, len(names))
	for _, n := range names {
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, fmt.Errorf("read mapping: %w", err)
		}
		files = append(files, namedFile{name: n, text: b})
	}
	return loadFiles(files)
}

// LoadFiles loads mapping files by their paths, as `passthrough mapping check FILE…` does.
func LoadFiles(paths ...string) (*Set, error) {
	files := make([]namedFile, 0, len(paths))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("read mapping: %w", err)
		}
		files = append(files, namedFile{name: p, text: b})
	}
	return loadFiles(files)
}

// Parse loads one mapping file from its text: the portal validates an edited file with it
// before saving. The name says which feed it maps (orders.yaml …).
func Parse(name string, text []byte) (*Set, error) {
	return loadFiles([]namedFile{{name: name, text: text}})
}

type namedFile struct {
	name string
	text []byte
}

func loadFiles(files []namedFile) (*Set, error) {
	diags := &Diagnostics{}
	set := &Set{}
	seen := map[string]string{}
	for _, f := range files {
		src := newSource(f.name, f.text, diags)
		feed := strings.TrimSuffix(path.Base(filepath.ToSlash(f.name)), path.Ext(f.name))
		if prev, ok := seen[feed]; ok {
			src.errorf(nil, "one file per feed", "maps the %s feed, as %s already does", feed, prev)
			continue
		}
		seen[feed] = f.name
		root := parseYAML(src, f.text)
		if root == nil {
			continue
		}
		switch feed {
		case FeedOrders:
			set.Orders = parseOrders(src, root)
		case FeedShipments:
			set.Shipments = parseShipments(src, root)
		case FeedInventory:
			set.Inventory = parseInventory(src, root)
		default:
			src.errorf(nil, "orders.yaml, shipments.yaml or inventory.yaml: the file's name says which feed it maps",
				"unknown mapping file %s", path.Base(filepath.ToSlash(f.name)))
		}
	}
	if !diags.empty() {
		diags.sort()
		return nil, diags
	}
	return set, nil
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseYAML reads a file into its top-level mapping node, reporting syntax errors where
// the YAML library says they are, or rather where they really are: it often names the
// line of the enclosing block.
func parseYAML(src *source, text []byte) *yaml.Node {
	var doc yaml.Node
	if err := yaml.Unmarshal(text, &doc); err != nil {
		line, msg := yamlError(err)
		if line == 0 {
			src.errorf(nil, yamlHint, "%s", msg)
			return nil
		}
		line = max(line, firstFailingLine(src.lines, line, msg))
		text := src.line(line)
		col, hint := firstNonBlank(text), yamlHint
		switch {
		case strings.Contains(msg, "mapping values are not allowed"):
			// key: a ? b : c — the second ": " is the one YAML trips on.
			if i := strings.Index(text, ": "); i >= 0 {
				if j := strings.Index(text[i+2:], ": "); j >= 0 {
					col = len([]rune(text[:i+2+j])) + 1
				}
			}
			hint = `an expression containing ": " quoted as a whole, e.g. 'a ? "N" : "Y"'`
		case strings.Contains(msg, "tab character"):
			col, hint = 1, "indentation with spaces, never tabs"
		case strings.Contains(msg, "did not find expected key"):
			// key: "text" + more — YAML read "text" as the value and trips on what follows.
			if i := strings.Index(text, ": "); i >= 0 {
				v := strings.TrimLeft(text[i+2:], " ")
				if v != "" && (v[0] == '"' || v[0] == '\'') {
					if j := strings.IndexByte(v[1:], v[0]); j >= 0 {
						after := len(text) - len(v) + j + 2
						after += len(text[after:]) - len(strings.TrimLeft(text[after:], " "))
						col = len([]rune(text[:after])) + 1
					}
				}
			}
			hint = `an expression that starts with a quote quoted as a whole, e.g. '"NET" + defaults.days'`
		}
		src.errorAt(line, col, hint, "%s", msg)
		return nil
	}
	if len(doc.Content) == 0 {
		src.errorf(nil, "the blocks of a mapping file, see mappings/README.md", "the file is empty")
		return nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		src.errorf(root, "blocks such as defaults:, lookups:, when:", "a mapping file is a set of blocks, not %s", nodeKind(root))
		return nil
	}
	duplicateKeys(src, root)
	return root
}

// duplicateKeys reports a key written twice in one block. The YAML library keeps both
// pairs in its node tree (it complains only when decoding into a map), and the loader
// would silently use one of them: a column mapped twice is a mistake to point at.
func duplicateKeys(src *source, n *yaml.Node) {
	if n.Kind == yaml.MappingNode {
		seen := map[string]*yaml.Node{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				continue
			}
			if first, ok := seen[k.Value]; ok {
				src.errorf(k, "each key once in a block", "%s appears twice in this block (first on line %d)", k.Value, first.Line)
				continue
			}
			seen[k.Value] = k
		}
	}
	for _, c := range n.Content {
		duplicateKeys(src, c)
	}
}

const yamlHint = "valid YAML: key: value pairs indented with spaces; quote an expression that contains \": \" " +
	"or starts with a quote, [, {, *, & or !"

func yamlError(err error) (line int, msg string) {
	msg = err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	return line, strings.TrimPrefix(msg, "yaml: ")
}

// firstFailingLine finds the first line at which the file stops being valid YAML with the
// same complaint: the YAML library reports the line of the block it was reading, which may
// be well above the mistake.
func firstFailingLine(lines []string, from int, msg string) int {
	if len(lines) > 1000 { // each try parses the file up to line k: keep it cheap
		return 0
	}
	for k := max(from, 1); k <= len(lines) && k < from+200; k++ {
		var n yaml.Node
		err := yaml.Unmarshal([]byte(strings.Join(lines[:k], "\n")), &n)
		if err == nil {
			continue
		}
		if _, m := yamlError(err); m == msg {
			return k
		}
	}
	return 0
}

func firstNonBlank(line string) int {
	for i, r := range []rune(line) {
		if r != ' ' && r != '\t' {
			return i + 1
		}
	}
	return 1
}

func nodeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a block of key: value pairs"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	if n.Tag == "!!null" {
		return "empty"
	}
	return "a single value"
}

// field is one key: value pair of a YAML block.
type field struct {
	key *yaml.Node
	val *yaml.Node
}

// fields reads the pairs of a block, reporting keys that are not allowed (with a
// did-you-mean) and, for required keys, their absence at the block's key.
func fields(src *source, f field, where string, allowed, required []string) map[string]field {
	n := f.val
	out := map[string]field{}
	if n.Kind != yaml.MappingNode {
		src.errorf(n, "a block of key: value pairs: "+quoteList(allowed), "%s must be a block, not %s", where, nodeKind(n))
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !contains(allowed, k.Value) {
			exp := "one of " + quoteList(allowed)
			if m := didYouMean(k.Value, allowed); m != "" {
				exp = "did you mean " + m + "?"
			}
			src.errorf(k, exp, "unknown field %q in %s", k.Value, where)
			continue
		}
		out[k.Value] = field{key: k, val: v}
	}
	at := f.key // a missing field is reported at the block's name (header:)
	if at == nil {
		at = n
	}
	for _, r := range required {
		if _, ok := out[r]; !ok {
			src.errorf(at, r+": …", "%s has no %s", where, r)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// scalar reads a single text value.
func scalar(src *source, n *yaml.Node, what string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		src.errorf(n, "a single value", "%s must be a single value, not %s", what, nodeKind(n))
		return "", false
	}
	return n.Value, true
}

var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
var tableName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$`)

// nameList reads a list of column names, such as a table's key.
func nameList(src *source, n *yaml.Node, what string) []string {
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		src.errorf(n, "a list of column names, e.g. [shop, web_order_id]", "%s must be a list of column names", what)
		return nil
	}
	var out []string
	for _, item := range n.Content {
		s, ok := scalar(src, item, what)
		if !ok {
			continue
		}
		if !identifier.MatchString(s) {
			src.errorf(item, "letters, digits and _", "%q is not a column name", s)
			continue
		}
		out = append(out, s)
	}
	return out
}

// parseDefaults reads the defaults block: named constants, typed by how YAML reads them
// (text, whole numbers, decimals, true/false, lists of those).
func parseDefaults(src *source, n *yaml.Node) map[string]any {
	out := map[string]any{}
	if n == nil {
		return out
	}
	if n.Kind != yaml.MappingNode {
		src.errorf(n, "name: value pairs", "defaults must be a block of name: value pairs, not %s", nodeKind(n))
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !identifier.MatchString(k.Value) {
			src.errorf(k, "letters, digits and _, so that defaults.NAME can read it", "%q is not a valid default name", k.Value)
			continue
		}
		switch v.Kind {
		case yaml.ScalarNode:
			if x, ok := constant(src, v); ok {
				out[k.Value] = x
			}
		case yaml.SequenceNode:
			items := make([]any, 0, len(v.Content))
			allText := true
			for _, item := range v.Content {
				if item.Kind != yaml.ScalarNode {
					src.errorf(item, "a single value", "a default's list holds single values, not %s", nodeKind(item))
					continue
				}
				x, ok := constant(src, item)
				if !ok {
					continue
				}
				if _, isText := x.(string); !isText {
					allText = false
				}
				items = append(items, x)
			}
			if allText {
				texts := make([]string, len(items))
				for i, x := range items {
					texts[i] = x.(string)
				}
				out[k.Value] = texts
			} else {
				out[k.Value] = items
			}
		default:
			src.errorf(v, "a single value or a list", "a default must be a single value or a list, not %s", nodeKind(v))
		}
	}
	return out
}

// constant reads a YAML scalar as a typed value. Numbers with a fraction become decimals,
// so money defaults stay exact.
func constant(src *source, n *yaml.Node) (any, bool) {
	switch n.ShortTag() {
	case "!!str":
		return n.Value, true
	case "!!int":
		i, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64)
		if err != nil {
			src.errorf(n, "a whole number", "%q is not a whole number", n.Value)
			return nil, false
		}
		return int(i), true
	case "!!float":
		d, err := decimal.NewFromString(n.Value)
		if err != nil {
			src.errorf(n, "a decimal number such as 12.50", "%q is not a decimal number", n.Value)
			return nil, false
		}
		return d, true
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			src.errorf(n, "true or false", "%q is not true or false", n.Value)
			return nil, false
		}
		return b, true
	case "!!null":
		return nil, true
	}
	return n.Value, true
}

// parseLookups reads the lookups block: static tables of text, each with an optional
// _default for keys it does not list.
func parseLookups(src *source, n *yaml.Node) map[string]*lookupTable {
	out := map[string]*lookupTable{}
	if n == nil {
		return out
	}
	if n.Kind != yaml.MappingNode {
		src.errorf(n, "table: {key: value, …} pairs", "lookups must be a block of tables, not %s", nodeKind(n))
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		t := &lookupTable{name: k.Value, entries: map[string]any{}}
		out[k.Value] = t
		if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
			continue // an empty table: every key misses
		}
		if v.Kind != yaml.MappingNode {
			src.errorf(v, "key: value pairs, and _default: value for anything else",
				"lookup table %s must be a block of key: value pairs, not %s", k.Value, nodeKind(v))
			continue
		}
		for j := 0; j+1 < len(v.Content); j += 2 {
			ek, ev := v.Content[j], v.Content[j+1]
			if ek.Kind != yaml.ScalarNode || ev.Kind != yaml.ScalarNode {
				src.errorf(ek, "key: value", "lookup table %s holds single values only", k.Value)
				continue
			}
			val := ev.Value
			if ev.Tag == "!!null" {
				val = ""
			}
			t.width = max(t.width, len([]rune(val)))
			if ek.Value == "_default" {
				t.def, t.hasDef = val, true
				continue
			}
			t.entries[ek.Value] = val
		}
	}
	return out
}

// rule is one import criterion: a condition that must hold, the severity the record gets
// when it does not, and a message.
type rule struct {
	cond     *compiled
	severity passthrough.Severity
	message  *template
	node     *yaml.Node
}

// parseRules reads a when block: one condition (a rejected record is info), or a list of
// {require, severity, message} rules checked in order.
func parseRules(src *source, c *exprCompiler, n *yaml.Node, env any) []*rule {
	if n == nil {
		return nil
	}
	if n.Kind == yaml.ScalarNode {
		x := c.compile(n, env, wantBool)
		if x == nil {
			return nil
		}
		return []*rule{{cond: x, severity: passthrough.SeverityInfo, node: n,
			message: &template{parts: []tmplPart{{text: "does not meet the import criteria: " + strings.TrimSpace(n.Value)}}}}}
	}
	if n.Kind != yaml.SequenceNode {
		src.errorf(n, "a condition, or a list of - require: … severity: … message: …",
			"when must be a condition or a list of rules, not %s", nodeKind(n))
		return nil
	}
	var rules []*rule
	for _, item := range n.Content {
		f := fields(src, field{val: item}, "a when rule", []string{"require", "severity", "message"}, []string{"require", "severity"})
		if f == nil {
			continue
		}
		r := &rule{node: item}
		if fl, ok := f["require"]; ok {
			r.cond = c.compile(fl.val, env, wantBool)
		}
		if fl, ok := f["severity"]; ok {
			s, _ := scalar(src, fl.val, "severity")
			r.severity = passthrough.Severity(s)
			if s != "" && !r.severity.Valid() {
				src.errorf(fl.val, "info, retry or error", "unknown severity %q", s)
			}
		}
		if fl, ok := f["message"]; ok {
			r.message = parseTemplate(src, c, fl.val, env)
		} else if fl, ok := f["require"]; ok {
			r.message = &template{parts: []tmplPart{{text: "does not meet: " + strings.TrimSpace(fl.val.Value)}}}
		}
		if r.cond != nil && r.severity.Valid() && r.message != nil {
			rules = append(rules, r)
		}
	}
	return rules
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
