package mapping

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/checker"
	"github.com/expr-lang/expr/checker/nature"
	"github.com/expr-lang/expr/compiler"
	"github.com/expr-lang/expr/conf"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/optimizer"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"
	"github.com/passthrough-dev/passthrough/mapping/internal/yamlfile"
	"github.com/passthrough-dev/passthrough/record"
	"go.yaml.in/yaml/v3"
)

// Limits on what one expression may be and do. Together with the rules lint enforces (no
// ranges, no predicate inside another predicate, no methods but a few of time's) they bound
// the work of any expression by the size of the record it maps.
const (
	// maxNodes bounds an expression's size; the longest shipped expression has about 30.
	maxNodes = 300
	// memoryBudget bounds the list elements one run may create (expr counts array and map
	// literals, sort, concat, flatten). Mapping one order needs a few hundred.
	memoryBudget = 100_000
)

// disabledBuiltins are expr builtins a mapping may not use: unbounded (repeat), able to
// grow text or data without limit by nesting (reduce, toJSON, fromJSON, toBase64,
// fromBase64), or not repeatable (now, which is the feed's run time `now` here instead).
// replace, join, split and splitAfter are replaced by bounded helpers of the same names.
var disabledBuiltins = []string{"repeat", "reduce", "now", "toJSON", "fromJSON", "toBase64",
	"fromBase64", "replace", "join", "split", "splitAfter"}

// unavailable says why a builtin of expr is missing, for the message.
var unavailable = map[string]string{
	"repeat":     "text built from pieces; repeat can build text without bound",
	"reduce":     "sum, map, filter, join …; reduce can grow its result without bound",
	"toJSON":     "the values themselves; JSON text can grow without bound when nested",
	"fromJSON":   "the payload's own fields",
	"toBase64":   "the text itself; base64 can grow without bound when nested",
	"fromBase64": "the text itself",
}

// timeMethods are the methods of time.Time an expression may call: they read the value and
// can do nothing else. Every other method call is refused (decimal.Decimal's Shift or
// PowInt32 could allocate without bound; other types' methods may have effects).
var timeMethods = map[string]bool{
	"Format": true, "Year": true, "Month": true, "Day": true, "Hour": true, "Minute": true,
	"Second": true, "Weekday": true, "YearDay": true, "Unix": true, "UTC": true,
	"IsZero": true, "Before": true, "After": true, "Equal": true, "Add": true,
	"AddDate": true, "Sub": true, "Truncate": true,
}

// The environments expressions are compiled against. Names are what expressions see.
type (
	headerEnv struct {
		Shop     string        `expr:"shop"`
		Order    *record.Order `expr:"order"`
		Now      time.Time     `expr:"now"`
		TimeZone string        `expr:"timezone"`
	}
	lineEnv struct {
		Shop     string           `expr:"shop"`
		Order    *record.Order    `expr:"order"`
		Now      time.Time        `expr:"now"`
		TimeZone string           `expr:"timezone"`
		Line     *record.LineItem `expr:"line"`
		Index    int              `expr:"index"`
	}
	// refundEnv maps one row of a refund: a refund line item (Adjustment nil), or an
	// order adjustment (Line empty, so line.quantity is 0 without a nil check).
	refundEnv struct {
		Shop       string                  `expr:"shop"`
		Order      *record.Order           `expr:"order"`
		Now        time.Time               `expr:"now"`
		TimeZone   string                  `expr:"timezone"`
		Refund     *record.Refund          `expr:"refund"`
		Line       *record.RefundLineItem  `expr:"line"`
		Adjustment *record.OrderAdjustment `expr:"adjustment"`
		Index      int                     `expr:"index"`
	}
	shipmentEnv struct {
		Shop     string           `expr:"shop"`
		Shipment *record.Shipment `expr:"shipment"`
		Now      time.Time        `expr:"now"`
	}
	stockEnv struct {
		Shop  string        `expr:"shop"`
		Stock *record.Stock `expr:"stock"`
		Now   time.Time     `expr:"now"`
	}
)

// want is what an expression must give.
type want int

const (
	wantValue want = iota // a column value
	wantBool              // a condition
	wantText              // a piece of a message
	wantList              // the list lines come from
)

// compiled is one expression of a mapping file, compiled on its own: for its diagnostics,
// its static type, and to be run alone to name the column that failed when a row's
// combined program fails.
type compiled struct {
	src   string
	file  *yamlfile.Source
	node  *yaml.Node // where it is in the file
	base  int        // where src starts in node's value, in runes
	env   any
	prog  *vm.Program
	typ   reflect.Type
	kind  valueKind
	width int // the longest text it can give, when that is known; 0 otherwise

	isConst  bool
	constVal any // the row value, when isConst
}

// exprCompiler compiles the expressions of one mapping file, which share its defaults and
// lookup tables.
type exprCompiler struct {
	src      *yamlfile.Source
	defaults map[string]any
	lookups  map[string]*lookupTable
	bases    map[reflect.Type]*conf.Config // see config
}

// config returns the expr configuration to compile src against env. The parts that
// never change (the environment, the helpers, the disabled builtins) are built once per
// environment; the patchers keep state, so every expression gets fresh ones.
func (c *exprCompiler) config(src string, env any) (*conf.Config, *defaultsPatcher) {
	// Programs run on a *env, but are compiled against the struct itself: then expr
	// resolves names to field indexes at compile time instead of by name at run time.
	t := reflect.TypeOf(env)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	base, ok := c.bases[t]
	if !ok {
		base = conf.CreateNew()
		opts := []expr.Option{expr.Env(reflect.Zero(t).Interface()), expr.MaxNodes(maxNodes), expr.Timezone("UTC")}
		for _, b := range disabledBuiltins {
			opts = append(opts, expr.DisableBuiltin(b))
		}
		opts = append(opts, helperOptions(c.lookups)...)
		opts = append(opts, arithOptions...)
		for _, o := range opts {
			o(base)
		}
		for name := range base.Disabled {
			delete(base.Builtins, name)
		}
		base.Check()
		if c.bases == nil {
			c.bases = map[reflect.Type]*conf.Config{}
		}
		c.bases[t] = base
	}
	cfg := *base // the maps are shared: compiling only reads them (and fills the type cache)
	dp := &defaultsPatcher{defaults: c.defaults}
	cfg.Visitors = append(append([]ast.Visitor(nil), base.Visitors...),
		implicitArgs{order: hasName(t, "order"), zone: hasName(t, "timezone")},
		floatPatcher{src: []rune(src)}, dp, &arithPatcher{})
	return &cfg, dp
}

// implicitArgs gives two helpers what the record knows when the author leaves it out:
// money(x) rounds to the order's currency, as money(x, order.currency), and local(t) is in
// the shop's time zone, as local(t, timezone). Where there is no order, money(x) is left
// alone, and lint asks for the places.
type implicitArgs struct{ order, zone bool }

func (p implicitArgs) Visit(node *ast.Node) {
	call, ok := (*node).(*ast.CallNode)
	if !ok || len(call.Arguments) != 1 {
		return
	}
	id, ok := call.Callee.(*ast.IdentifierNode)
	if !ok {
		return
	}
	var arg ast.Node
	switch {
	case id.Value == "money" && p.order:
		arg = &ast.MemberNode{Node: &ast.IdentifierNode{Value: "order"}, Property: &ast.StringNode{Value: "currency"}}
	case id.Value == "local" && p.zone:
		arg = &ast.IdentifierNode{Value: "timezone"}
	default:
		return
	}
	setLocation(arg, call.Location())
	call.Arguments = append(call.Arguments, arg)
}

func setLocation(n ast.Node, loc file.Location) {
	n.SetLocation(loc)
	for _, c := range children(n) {
		setLocation(c, loc)
	}
}

// hasName reports whether an environment has a field expressions see as name.
func hasName(t reflect.Type, name string) bool {
	for i := range t.NumField() {
		if t.Field(i).Tag.Get("expr") == name {
			return true
		}
	}
	return false
}

// tree parses, patches and type-checks src. Problems are returned, not recorded, so the
// caller decides where they point.
func (c *exprCompiler) tree(src string, env any) (*parser.Tree, *conf.Config, []exprProblem) {
	cfg, dp := c.config(src, env)
	tree, err := parser.ParseWithConfig(src, cfg)
	if err != nil {
		return nil, nil, []exprProblem{c.explain(err, src, env)}
	}
	// The rules that bound an expression apply to what its author wrote, before the
	// patchers rewrite it (sum(list, .price) becomes a call without a predicate).
	if probs := lintShape(tree.Node); len(probs) > 0 {
		return nil, nil, probs
	}
	_, err = new(checker.Checker).PatchAndCheck(tree, cfg)
	if len(dp.problems) > 0 {
		return nil, nil, dp.problems
	}
	if err == nil {
		// Once a call has a type, expr's checker stops looking at its arguments, and with
		// patchers it checks the tree several times: a mistake inside a call's arguments
		// (cut(order.nte, 30)) would pass. So the calls forget their types and the tree is
		// checked once more, whole.
		forgetCallTypes(tree.Node)
		_, err = checker.Check(tree, cfg)
	}
	if err != nil {
		return nil, nil, []exprProblem{c.explain(err, src, env)}
	}
	if probs := c.lint(tree.Node); len(probs) > 0 {
		return nil, nil, probs
	}
	return tree, cfg, nil
}

// compile compiles the expression held by a YAML scalar. Problems are recorded in the
// file's diagnostics, and nil returned.
func (c *exprCompiler) compile(n *yaml.Node, env any, w want) *compiled {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		c.src.Errorf(n, "an expression, e.g. order.name", "this must be an expression, not %s", yamlfile.NodeKind(n))
		return nil
	}
	return c.compileAt(n, n.Value, 0, env, w)
}

// compileAt compiles src, which starts at offset base (in runes) of n's value: a template's
// ${…} piece, or all of it.
func (c *exprCompiler) compileAt(n *yaml.Node, src string, base int, env any, w want) *compiled {
	if strings.TrimSpace(src) == "" {
		exprError(c.src, n, base, `an expression; write "" for empty text or nil for no value`, "empty expression")
		return nil
	}
	tree, cfg, probs := c.tree(src, env)
	if len(probs) > 0 {
		for _, p := range probs {
			exprError(c.src, n, base+p.offset, p.expected, "%s", p.msg)
		}
		return nil
	}
	typ := tree.Node.Type()
	kind, width := c.analyze(tree.Node)
	if msg, exp := checkWant(w, typ, kind); msg != "" {
		exprError(c.src, n, base, exp, "%s", msg)
		return nil
	}
	if err := optimizer.Optimize(&tree.Node, cfg); err != nil {
		p := c.explain(err, src, env)
		exprError(c.src, n, base+p.offset, p.expected, "%s", p.msg)
		return nil
	}
	prog, err := compiler.Compile(tree, cfg)
	if err != nil {
		exprError(c.src, n, base, "", "%s", err)
		return nil
	}
	x := &compiled{src: src, file: c.src, node: n, base: base, env: env, prog: prog, typ: typ, kind: kind, width: width}
	if isLiteral(tree.Node) && w == wantValue {
		v, err := vm.Run(prog, reflect.New(reflect.TypeOf(env).Elem()).Interface())
		if err == nil {
			if rv, err := rowValue(v); err == nil {
				x.isConst, x.constVal = true, rv
			}
		}
	}
	return x
}

// node returns a fresh checked (not yet optimized) tree of an already compiled expression,
// to be put together with others into one program.
func (c *exprCompiler) node(x *compiled) ast.Node {
	if x.isConst {
		if x.constVal == nil {
			return &ast.NilNode{}
		}
		n := &ast.ConstantNode{Value: x.constVal}
		n.SetType(reflect.TypeOf(x.constVal))
		return n
	}
	tree, _, probs := c.tree(x.src, x.env)
	if len(probs) > 0 || tree == nil {
		panic("mapping: an expression that compiled alone did not compile again") // a bug
	}
	return tree.Node
}

// program compiles a combined tree (see rowProgram) against env.
func (c *exprCompiler) program(node ast.Node, env any) (*vm.Program, error) {
	cfg, _ := c.config("", env)
	tree := &parser.Tree{Node: node, Source: file.NewSource("")}
	if _, err := checker.Check(tree, cfg); err != nil {
		return nil, err
	}
	if err := optimizer.Optimize(&tree.Node, cfg); err != nil {
		return nil, err
	}
	return compiler.Compile(tree, cfg)
}

func isLiteral(n ast.Node) bool {
	switch n.(type) {
	case *ast.StringNode, *ast.IntegerNode, *ast.BoolNode, *ast.NilNode, *ast.ConstantNode, *ast.FloatNode:
		return true
	}
	return false
}

func checkWant(w want, t reflect.Type, k valueKind) (msg, expected string) {
	switch w {
	case wantBool:
		if k != kindBool && k != kindUnknown {
			return fmt.Sprintf("a condition must give true or false; this gives %s", typeName(t)),
				"a condition such as order.test == false"
		}
	case wantValue:
		if k == kindInvalid {
			return fmt.Sprintf("a column takes text, a number, a time or true/false; this gives %s", typeName(t)),
				"a single value, e.g. order.shipping_address?.city"
		}
	case wantList:
		if t.Kind() != reflect.Slice && t != anyType {
			return fmt.Sprintf("lines come from a list of line items; this gives %s", typeName(t)),
				"order.line_items"
		}
	}
	return "", ""
}

// exprProblem is a problem found in one expression, at an offset (in runes) in it.
type exprProblem struct {
	offset   int
	msg      string
	expected string
}

var goTypeName = regexp.MustCompile(`\*?(\[\])?\*?((?:mapping|record)\.[A-Za-z]+|decimal\.Decimal|time\.Time|interface \{\})`)

// explain turns an expr error into a problem a mapping's author can act on.
func (c *exprCompiler) explain(err error, src string, env any) exprProblem {
	p := exprProblem{msg: err.Error()}
	var fe *file.Error
	if errors.As(err, &fe) {
		p.offset, p.msg = fe.From, fe.Message
	}
	p.msg = goTypeName.ReplaceAllStringFunc(p.msg, func(s string) string {
		list := strings.Contains(s, "[]")
		s = strings.NewReplacer("*", "", "[]", "").Replace(s)
		name := s
		switch s {
		case "decimal.Decimal":
			name = "decimal"
		case "time.Time":
			name = "time"
		case "interface {}":
			name = "any"
		default:
			for t, n := range structNames {
				if t.String() == s {
					name = n
				}
			}
		}
		if list {
			return "list of " + name
		}
		return name
	})
	switch {
	case strings.HasPrefix(p.msg, "unknown name "):
		name := strings.TrimPrefix(p.msg, "unknown name ")
		if rest := byteOffset(src, p.offset) + len(name); rest <= len(src) && strings.HasPrefix(strings.TrimSpace(src[rest:]), "(") {
			if why, ok := unavailable[name]; ok {
				p.msg = name + " is not available in mappings"
				p.expected = why
				break
			}
			p.msg = "unknown helper " + name
			p.expected = "a helper: " + yamlfile.QuoteList(helperNames())
			if m := yamlfile.DidYouMean(name, helperNames()); m != "" {
				p.expected = "did you mean " + m + "? " + helperDoc[m]
			}
			if name == "now" {
				p.expected = "now is a value here (the time the feed runs): write now, not now()"
			}
			break
		}
		names := envNames(env)
		p.expected = "a name the expression can use: " + yamlfile.QuoteList(names)
		m := yamlfile.DidYouMean(name, names)
		switch {
		case name == "defaults":
			p.msg = "defaults must be read one at a time"
			p.expected = "defaults.NAME"
		case m != "":
			p.expected = "did you mean " + m + "?"
		case strings.TrimSpace(src) == name:
			p.expected += fmt.Sprintf(`; to write the text %s, quote it: '"%s"'`, name, name)
		}
	case strings.Contains(p.msg, " has no field "):
		field := p.msg[strings.LastIndex(p.msg, " ")+1:]
		if fields := fieldsOfMessage(p.msg); len(fields) > 0 {
			if m := yamlfile.DidYouMean(field, fields); m != "" {
				p.expected = "did you mean " + m + "?"
			} else {
				p.expected = "one of " + yamlfile.QuoteList(fields)
			}
		}
	case strings.Contains(p.msg, "to call "):
		p.msg = strings.TrimSpace(p.msg)
		fn := p.msg[strings.LastIndex(p.msg, " ")+1:]
		if doc, ok := helperDoc[fn]; ok {
			p.expected = doc
		}
		if strings.Contains(p.msg, "(type string)") {
			p.expected = strings.TrimPrefix(p.expected+"; ", "; ") + "string(…) turns a number into text"
		}
	case strings.HasSuffix(p.msg, "is not callable") && wordAt(src, p.offset) == "now":
		p.msg = "now is not a function"
		p.expected = "now, the time the feed runs (a value: no parentheses)"
	case strings.HasPrefix(p.msg, "unexpected token") || strings.Contains(p.msg, "unexpected"):
		p.expected = "a complete expression; text goes in quotes inside the YAML value, e.g. '\"NET30\"'"
	}
	return p
}

// fieldsOfMessage finds the struct named in "type X has no field y" and lists its fields.
func fieldsOfMessage(msg string) []string {
	name := strings.TrimPrefix(msg, "type ")
	name = name[:strings.Index(name, " has no field ")]
	for t, n := range structNames {
		if n == name {
			return fieldNames(t)
		}
	}
	return nil
}

func envNames(env any) []string {
	return fieldNames(reflect.TypeOf(env))
}

func helperNames() []string {
	names := make([]string, 0, len(helperDoc))
	for n := range helperDoc {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// byteOffset converts an offset in runes into one in bytes.
func byteOffset(s string, runes int) int {
	i := 0
	for b := range s {
		if i == runes {
			return b
		}
		i++
	}
	return len(s)
}

// wordAt returns the identifier that starts at an offset (in runes) of s.
func wordAt(s string, runes int) string {
	b := byteOffset(s, runes)
	end := strings.IndexFunc(s[b:], func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' })
	if end < 0 {
		return s[b:]
	}
	return s[b : b+end]
}

// defaultsPatcher replaces defaults.NAME with the default's value, so the checker knows its
// type and the optimizer folds what depends only on defaults into a constant.
type defaultsPatcher struct {
	defaults map[string]any
	problems []exprProblem
}

func (p *defaultsPatcher) Visit(node *ast.Node) {
	m, ok := (*node).(*ast.MemberNode)
	if !ok {
		return
	}
	id, ok := m.Node.(*ast.IdentifierNode)
	if !ok || id.Value != "defaults" {
		return
	}
	prop, ok := m.Property.(*ast.StringNode)
	if !ok {
		p.problems = append(p.problems, exprProblem{offset: m.Property.Location().From,
			msg: "defaults must be read by name", expected: "defaults.NAME"})
		return
	}
	v, ok := p.defaults[prop.Value]
	if !ok {
		names := make([]string, 0, len(p.defaults))
		for k := range p.defaults {
			names = append(names, k)
		}
		sort.Strings(names)
		exp := "one of the defaults block's names: " + yamlfile.QuoteList(names)
		if len(names) == 0 {
			exp = "a name declared in the defaults block"
		}
		if m := yamlfile.DidYouMean(prop.Value, names); m != "" {
			exp = "did you mean defaults." + m + "?"
		}
		p.problems = append(p.problems, exprProblem{offset: prop.Location().From,
			msg: "unknown default " + prop.Value, expected: exp})
		return
	}
	c := &ast.ConstantNode{Value: v}
	if v != nil {
		c.SetType(reflect.TypeOf(v))
	}
	ast.Patch(node, c)
}

// lintShape enforces the rules that bound the work of an expression, on the tree as
// parsed: no ranges, and no builtin that walks a list (sum, map, filter, all, any, …)
// inside another one's predicate.
func lintShape(root ast.Node) []exprProblem {
	var probs []exprProblem
	var walk func(n ast.Node, outer string)
	walk = func(n ast.Node, outer string) {
		switch x := n.(type) {
		case *ast.BinaryNode:
			if x.Operator == ".." {
				probs = append(probs, exprProblem{offset: x.Location().From, msg: "ranges (..) are not allowed",
					expected: "a list of the record itself, e.g. order.line_items: an expression may only walk the record's own lists"})
			}
		case *ast.BuiltinNode:
			if why, ok := unavailable[x.Name]; ok { // expr parses some builtins even when disabled
				probs = append(probs, exprProblem{offset: x.Location().From,
					msg: x.Name + " is not available in mappings", expected: why})
				return
			}
			for _, a := range x.Arguments {
				if _, ok := a.(*ast.PredicateNode); !ok {
					continue
				}
				if outer != "" {
					probs = append(probs, exprProblem{offset: x.Location().From,
						msg: fmt.Sprintf("%s inside the predicate of %s is not allowed", x.Name, outer),
						expected: "one level of sum, map, filter, any, all …: nested, they multiply the lengths of their lists; " +
							"compute the inner value in a column of its own"})
				}
				for _, b := range x.Arguments {
					if _, ok := b.(*ast.PredicateNode); ok {
						walk(b, x.Name)
					} else {
						walk(b, outer)
					}
				}
				return
			}
		}
		for _, child := range children(n) {
			walk(child, outer)
		}
	}
	walk(root, "")
	return probs
}

// lint checks, on the checked tree, what needs types: method calls, and helper arguments
// that can be checked before anything runs.
func (c *exprCompiler) lint(root ast.Node) []exprProblem {
	var probs []exprProblem
	add := func(n ast.Node, msg, expected string) {
		probs = append(probs, exprProblem{offset: n.Location().From, msg: msg, expected: expected})
	}
	var walk func(n ast.Node)
	walk = func(n ast.Node) {
		if x, ok := n.(*ast.CallNode); ok {
			c.lintCall(x, add)
		}
		for _, child := range children(n) {
			walk(child)
		}
	}
	walk(root)
	return probs
}

func (c *exprCompiler) lintCall(x *ast.CallNode, add func(ast.Node, string, string)) {
	if m, ok := x.Callee.(*ast.MemberNode); ok && m.Method {
		name := ""
		if s, ok := m.Property.(*ast.StringNode); ok {
			name = s.Value
		}
		recv := m.Node.Type()
		if recv.Kind() == reflect.Pointer {
			recv = recv.Elem()
		}
		if recv != timeType || !timeMethods[name] {
			add(m.Property, fmt.Sprintf("method %s of %s cannot be called", name, typeName(recv)),
				"a helper, e.g. money(x) or erp_date(order.created_at, \"YYYYMMDD\")")
		}
		return
	}
	id, ok := x.Callee.(*ast.IdentifierNode)
	if !ok {
		return
	}
	intArg := func(i int) (int, bool) {
		if i >= len(x.Arguments) {
			return 0, false
		}
		n, ok := x.Arguments[i].(*ast.IntegerNode)
		if !ok {
			return 0, false
		}
		return n.Value, true
	}
	switch id.Value {
	case "lookup":
		name, ok := constString(x.Arguments[0])
		if !ok {
			add(x.Arguments[0], "the lookup table must be named in quotes", `lookup("table", key)`)
			return
		}
		if _, ok := c.lookups[name]; !ok {
			names := make([]string, 0, len(c.lookups))
			for k := range c.lookups {
				names = append(names, k)
			}
			sort.Strings(names)
			exp := "a table of the lookups block: " + yamlfile.QuoteList(names)
			if len(names) == 0 {
				exp = "a table declared in the lookups block"
			}
			if m := yamlfile.DidYouMean(name, names); m != "" {
				exp = fmt.Sprintf("did you mean %q?", m)
			}
			add(x.Arguments[0], fmt.Sprintf("unknown lookup table %q", name), exp)
		}
	case "cut":
		if n, ok := intArg(1); ok && (n < 1 || n > maxText) {
			add(x.Arguments[1], fmt.Sprintf("cut to %d characters", n), fmt.Sprintf("a width between 1 and %d", maxText))
		}
	case "money":
		if len(x.Arguments) == 1 {
			add(x, "money(x) rounds to the order's currency, and there is no order here",
				"the places, e.g. money(x, 2), or a currency, money(x, \"EUR\")")
		}
		if n, ok := intArg(1); ok && (n < 0 || n > 10) {
			add(x.Arguments[1], fmt.Sprintf("money rounded to %d places", n), "between 0 and 10 places")
		}
		if len(x.Arguments) == 2 {
			if code, ok := constString(x.Arguments[1]); ok {
				if _, known := record.MinorUnits(code); !known {
					add(x.Arguments[1], fmt.Sprintf("%q is not a currency ISO 4217 knows", code), "a currency code such as \"USD\", or the places, e.g. 2")
				}
			}
		}
	case "local":
		if len(x.Arguments) == 2 {
			if zone, ok := constString(x.Arguments[1]); ok && zone != "" {
				if _, err := time.LoadLocation(zone); err != nil {
					add(x.Arguments[1], fmt.Sprintf("unknown time zone %q", zone), "a time zone of the tz database, e.g. \"America/New_York\"")
				}
			}
		}
	case "erp_date":
		if len(x.Arguments) == 2 {
			if l, ok := constString(x.Arguments[1]); ok {
				if msg := layoutProblem(l); msg != "" {
					add(x.Arguments[1], msg, "a layout made of YYYY, YY, MM, DD, HH, mm, ss, e.g. \"YYYYMMDD\" or \"MM/DD/YYYY\"")
				}
			}
		}
	}
}

func constString(n ast.Node) (string, bool) {
	switch x := n.(type) {
	case *ast.StringNode:
		return x.Value, true
	case *ast.ConstantNode:
		s, ok := x.Value.(string)
		return s, ok
	}
	return "", false
}

func forgetCallTypes(n ast.Node) {
	if call, ok := n.(*ast.CallNode); ok {
		call.SetNature(nature.Nature{})
	}
	for _, c := range children(n) {
		forgetCallTypes(c)
	}
}

// children lists a node's direct children, in the order ast.Walk visits them.
func children(n ast.Node) []ast.Node {
	switch x := n.(type) {
	case *ast.UnaryNode:
		return []ast.Node{x.Node}
	case *ast.BinaryNode:
		return []ast.Node{x.Left, x.Right}
	case *ast.ChainNode:
		return []ast.Node{x.Node}
	case *ast.MemberNode:
		return []ast.Node{x.Node, x.Property}
	case *ast.SliceNode:
		var out []ast.Node
		for _, c := range []ast.Node{x.Node, x.From, x.To} {
			if c != nil {
				out = append(out, c)
			}
		}
		return out
	case *ast.CallNode:
		return append([]ast.Node{x.Callee}, x.Arguments...)
	case *ast.BuiltinNode:
		return x.Arguments
	case *ast.PredicateNode:
		return []ast.Node{x.Node}
	case *ast.VariableDeclaratorNode:
		return []ast.Node{x.Value, x.Expr}
	case *ast.SequenceNode:
		return x.Nodes
	case *ast.ConditionalNode:
		return []ast.Node{x.Cond, x.Exp1, x.Exp2}
	case *ast.ArrayNode:
		return x.Nodes
	case *ast.MapNode:
		return x.Pairs
	case *ast.PairNode:
		return []ast.Node{x.Key, x.Value}
	}
	return nil
}

// analyze works out, from the checked tree, the family of values an expression gives and,
// for text, the longest it can be when that is known (a constant, a cut, a lookup table).
func (c *exprCompiler) analyze(n ast.Node) (valueKind, int) {
	switch x := n.(type) {
	case *ast.StringNode:
		return kindText, len([]rune(x.Value))
	case *ast.ConstantNode:
		if s, ok := x.Value.(string); ok {
			return kindText, len([]rune(s))
		}
		if x.Value == nil {
			return kindNull, 0
		}
		return kindOfType(reflect.TypeOf(x.Value)), 0
	case *ast.NilNode:
		return kindNull, 0
	case *ast.ConditionalNode:
		return c.combine(x.Exp1, x.Exp2)
	case *ast.BinaryNode:
		if x.Operator == "??" {
			return c.combine(x.Left, x.Right)
		}
	case *ast.ChainNode:
		return c.analyze(x.Node)
	case *ast.SequenceNode:
		return c.analyze(x.Nodes[len(x.Nodes)-1])
	case *ast.VariableDeclaratorNode:
		return c.analyze(x.Expr)
	case *ast.CallNode:
		id, ok := x.Callee.(*ast.IdentifierNode)
		if !ok {
			break
		}
		switch id.Value {
		case "cut":
			if w, ok := x.Arguments[1].(*ast.IntegerNode); ok {
				return kindText, w.Value
			}
			return kindText, 0
		case "lookup":
			name, _ := constString(x.Arguments[0])
			t := c.lookups[name]
			if t != nil && len(x.Arguments) == 2 {
				return kindText, t.width
			}
			return kindText, 0
		case "coalesce":
			return c.combine(x.Arguments...)
		case "fail":
			return kindNull, 0
		}
	}
	return kindOfType(n.Type()), 0
}

// combine is the kind of a value that is one of several expressions: their common kind,
// ignoring nil and fail(), and the longest of their known widths.
func (c *exprCompiler) combine(nodes ...ast.Node) (valueKind, int) {
	kind, width, known := kindNull, 0, true
	for _, n := range nodes {
		k, w := c.analyze(n)
		if k == kindNull {
			continue
		}
		if w == 0 {
			known = false
		}
		width = max(width, w)
		switch {
		case kind == kindNull:
			kind = k
		case kind != k:
			return kindUnknown, 0
		}
	}
	if !known {
		width = 0
	}
	return kind, width
}
