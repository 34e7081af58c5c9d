package mapping

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
	"go.yaml.in/yaml/v3"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/mapping/internal/yamlfile"
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
		src := yamlfile.NewSource(f.name, f.text, diags)
		feed := strings.TrimSuffix(path.Base(filepath.ToSlash(f.name)), path.Ext(f.name))
		if prev, ok := seen[feed]; ok {
			src.Errorf(nil, "one file per feed", "maps the %s feed, as %s already does", feed, prev)
			continue
		}
		seen[feed] = f.name
		root := src.Parse()
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
			src.Errorf(nil, "orders.yaml, shipments.yaml or inventory.yaml: the file's name says which feed it maps",
				"unknown mapping file %s", path.Base(filepath.ToSlash(f.name)))
		}
	}
	if !diags.Empty() {
		diags.Sort()
		return nil, diags
	}
	return set, nil
}

var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
var tableName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$`)

// nameList reads a list of column names, such as a table's key.
func nameList(src *yamlfile.Source, n *yaml.Node, what string) []string {
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		src.Errorf(n, "a list of column names, e.g. [shop, web_order_id]", "%s must be a list of column names", what)
		return nil
	}
	var out []string
	for _, item := range n.Content {
		s, ok := src.Scalar(item, what)
		if !ok {
			continue
		}
		if !identifier.MatchString(s) {
			src.Errorf(item, "letters, digits and _", "%q is not a column name", s)
			continue
		}
		out = append(out, s)
	}
	return out
}

// parseDefaults reads the defaults block: named constants, typed by how YAML reads them
// (text, whole numbers, decimals, true/false, lists of those).
func parseDefaults(src *yamlfile.Source, n *yaml.Node) map[string]any {
	out := map[string]any{}
	if n == nil {
		return out
	}
	if n.Kind != yaml.MappingNode {
		src.Errorf(n, "name: value pairs", "defaults must be a block of name: value pairs, not %s", yamlfile.NodeKind(n))
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !identifier.MatchString(k.Value) {
			src.Errorf(k, "letters, digits and _, so that defaults.NAME can read it", "%q is not a valid default name", k.Value)
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
					src.Errorf(item, "a single value", "a default's list holds single values, not %s", yamlfile.NodeKind(item))
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
			src.Errorf(v, "a single value or a list", "a default must be a single value or a list, not %s", yamlfile.NodeKind(v))
		}
	}
	return out
}

// constant reads a YAML scalar as a typed value. Numbers with a fraction become decimals,
// so money defaults stay exact.
func constant(src *yamlfile.Source, n *yaml.Node) (any, bool) {
	switch n.ShortTag() {
	case "!!str":
		return n.Value, true
	case "!!int":
		i, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64)
		if err != nil {
			src.Errorf(n, "a whole number", "%q is not a whole number", n.Value)
			return nil, false
		}
		return int(i), true
	case "!!float":
		d, err := decimal.NewFromString(n.Value)
		if err != nil {
			src.Errorf(n, "a decimal number such as 12.50", "%q is not a decimal number", n.Value)
			return nil, false
		}
		return d, true
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			src.Errorf(n, "true or false", "%q is not true or false", n.Value)
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
func parseLookups(src *yamlfile.Source, n *yaml.Node) map[string]*lookupTable {
	out := map[string]*lookupTable{}
	if n == nil {
		return out
	}
	if n.Kind != yaml.MappingNode {
		src.Errorf(n, "table: {key: value, …} pairs", "lookups must be a block of tables, not %s", yamlfile.NodeKind(n))
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
			src.Errorf(v, "key: value pairs, and _default: value for anything else",
				"lookup table %s must be a block of key: value pairs, not %s", k.Value, yamlfile.NodeKind(v))
			continue
		}
		for j := 0; j+1 < len(v.Content); j += 2 {
			ek, ev := v.Content[j], v.Content[j+1]
			if ek.Kind != yaml.ScalarNode || ev.Kind != yaml.ScalarNode {
				src.Errorf(ek, "key: value", "lookup table %s holds single values only", k.Value)
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
func parseRules(src *yamlfile.Source, c *exprCompiler, n *yaml.Node, env any) []*rule {
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
		src.Errorf(n, "a condition, or a list of - require: … severity: … message: …",
			"when must be a condition or a list of rules, not %s", yamlfile.NodeKind(n))
		return nil
	}
	var rules []*rule
	for _, item := range n.Content {
		f := src.Fields(yamlfile.Field{Val: item}, "a when rule", []string{"require", "severity", "message"}, []string{"require", "severity"})
		if f == nil {
			continue
		}
		r := &rule{node: item}
		if fl, ok := f["require"]; ok {
			r.cond = c.compile(fl.Val, env, wantBool)
		}
		if fl, ok := f["severity"]; ok {
			s, _ := src.Scalar(fl.Val, "severity")
			r.severity = passthrough.Severity(s)
			if s != "" && !r.severity.Valid() {
				src.Errorf(fl.Val, "info, retry or error", "unknown severity %q", s)
			}
		}
		if fl, ok := f["message"]; ok {
			r.message = parseTemplate(src, c, fl.Val, env)
		} else if fl, ok := f["require"]; ok {
			r.message = &template{parts: []tmplPart{{text: "does not meet: " + strings.TrimSpace(fl.Val.Value)}}}
		}
		if r.cond != nil && r.severity.Valid() && r.message != nil {
			rules = append(rules, r)
		}
	}
	return rules
}
