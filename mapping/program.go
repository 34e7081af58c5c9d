package mapping

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"
	"go.yaml.in/yaml/v3"

	"github.com/passthrough-dev/passthrough"
)

// column is one target column and the expression that fills it.
type column struct {
	name string
	key  *yaml.Node
	x    *compiled
}

// rowProgram produces one row (or rejects the record) with a single run of one program.
//
// Each expression was compiled alone at load, for its diagnostics and its type. For speed
// they are also put together into one tree and compiled once more:
//
//	rule1 ? rule2 ? … ? (filter ? [col1, col2, …, extra] : nil) : 1 : 0
//
// which gives the index of the first rule that rejects the record, nil when the filter
// leaves it out, or the row's values. Columns that only read defaults and literals were
// folded at load and sit in the array as constants; a value several columns compute is
// computed once (hoist); cut(x, n) around a whole column is applied after the run. When
// the combined program fails, the pieces are run one by one to name the one that failed.
type rowProgram struct {
	rules  []*rule
	filter *compiled
	cols   []column
	extra  *compiled // a value returned after the columns: where lines come from
	names  []string  // the column names, shared by every row this program makes
	cuts   []int     // per column: a width to cut its text to after the run, or 0
	prog   *vm.Program
}

func newRowProgram(c *exprCompiler, env any, rules []*rule, filter *compiled, cols []column, extra *compiled) (*rowProgram, error) {
	p := &rowProgram{rules: rules, filter: filter, cols: cols, extra: extra}
	p.names = make([]string, len(cols))
	p.cuts = make([]int, len(cols))
	nodes := make([]ast.Node, 0, len(cols)+1)
	for i, col := range cols {
		p.names[i] = col.name
		n := c.node(col.x)
		// cut(x, 30) around a whole column is done after the run, in Go: the commonest
		// helper call then costs no call at all.
		if call, ok := n.(*ast.CallNode); ok && isCall(call, "cut") {
			if w, ok := call.Arguments[1].(*ast.IntegerNode); ok && w.Value > 0 {
				n, p.cuts[i] = call.Arguments[0], w.Value
			}
		}
		nodes = append(nodes, n)
	}
	if extra != nil {
		nodes = append(nodes, c.node(extra))
	}
	node := hoist(&ast.ArrayNode{Nodes: nodes})
	if filter != nil {
		node = &ast.ConditionalNode{Ternary: true, Cond: c.node(filter), Exp1: node, Exp2: &ast.NilNode{}}
	}
	for i := len(rules) - 1; i >= 0; i-- {
		node = &ast.ConditionalNode{Ternary: true, Cond: c.node(rules[i].cond), Exp1: node, Exp2: &ast.IntegerNode{Value: i}}
	}
	prog, err := c.program(node, env)
	if err != nil {
		return nil, fmt.Errorf("compile row program: %w", err)
	}
	p.prog = prog
	return p, nil
}

// rowOutcome is what one run decided.
type rowOutcome struct {
	values  []any // the row's values, converted for the database
	extra   any
	failed  *rule // the rule that rejected the record
	skipped bool  // the filter left it out
}

// where names the record a row is for, in messages: nothing for an order, "line 2 (SKU): "
// for one of its lines. It is a value, so naming costs nothing until a message is needed.
type where struct {
	line  int // 1-based; 0 when the record is not a line
	label string
}

func (w where) String() string {
	if w.line == 0 {
		return w.label
	}
	return fmt.Sprintf("line %d (%s): ", w.line, w.label)
}

// run makes one row.
func (p *rowProgram) run(m *vm.VM, env any, what where) (rowOutcome, error) {
	m.MemoryBudget = memoryBudget
	out, err := m.Run(p.prog, env)
	if err != nil {
		return rowOutcome{}, p.explain(m, env, what, err)
	}
	switch v := out.(type) {
	case int:
		return rowOutcome{failed: p.rules[v]}, nil
	case nil:
		return rowOutcome{skipped: true}, nil
	case []any:
		o := rowOutcome{values: v[:len(p.cols):len(p.cols)]}
		if p.extra != nil {
			o.extra = v[len(p.cols)]
		}
		for i, x := range o.values {
			if w := p.cuts[i]; w > 0 {
				s, _ := x.(string)
				if len(s) > w || x == nil {
					x = cut(s, w)
				}
			}
			rv, err := rowValue(x)
			if err != nil {
				return rowOutcome{}, runtimeError(what, "column "+p.cols[i].name, p.cols[i].x, err)
			}
			o.values[i] = rv
		}
		return o, nil
	}
	return rowOutcome{}, fmt.Errorf("row program gave %T", out) // a bug
}

// explain runs the pieces one by one to find which one failed, and says so.
func (p *rowProgram) explain(m *vm.VM, env any, what where, err error) error {
	try := func(label string, x *compiled) error {
		if x == nil || x.isConst {
			return nil
		}
		m.MemoryBudget = memoryBudget
		if _, err := m.Run(x.prog, env); err != nil {
			return runtimeError(what, label, x, err)
		}
		return nil
	}
	for i, r := range p.rules {
		if err := try(fmt.Sprintf("when rule %d", i+1), r.cond); err != nil {
			return err
		}
	}
	if err := try("when", p.filter); err != nil {
		return err
	}
	for _, col := range p.cols {
		if err := try("column "+col.name, col.x); err != nil {
			return err
		}
	}
	if err := try("from", p.extra); err != nil {
		return err
	}
	return &passthrough.RecordError{Severity: passthrough.SeverityError, Message: what.String() + err.Error()}
}

// runtimeError is the record's problem when an expression fails: fail("…") gives its own
// message; anything else names the column and where its expression is in the file.
func runtimeError(what where, label string, x *compiled, err error) error {
	var fail *failError
	if errors.As(err, &fail) {
		return &passthrough.RecordError{Severity: passthrough.SeverityError, Message: what.String() + fail.msg}
	}
	msg := err.Error()
	offset := 0
	var fe *file.Error
	if errors.As(err, &fe) {
		msg, offset = fe.Message, fe.From
		if fe.Prev != nil {
			msg = fe.Prev.Error()
		}
	}
	line, col := valuePos(x.file, x.node, x.base+offset)
	return &passthrough.RecordError{Severity: passthrough.SeverityError,
		Message: fmt.Sprintf("%s%s (%s:%d:%d): %s", what, label, x.file.Name, line, col, msg)}
}

// reject is the record's problem when a when rule says no.
func reject(r *rule, m *vm.VM, env any) error {
	return &passthrough.RecordError{Severity: r.severity, Message: r.message.render(m, env)}
}

// vmPool keeps one VM per goroutine at a time: a VM reused between runs saves most of the
// allocations of a run, and mappings are used concurrently.
type vmPool struct{ p sync.Pool }

func (v *vmPool) get() *vm.VM {
	if m, ok := v.p.Get().(*vm.VM); ok {
		return m
	}
	return &vm.VM{MemoryBudget: memoryBudget}
}

func (v *vmPool) put(m *vm.VM) { v.p.Put(m) }

func isCall(n *ast.CallNode, name string) bool {
	id, ok := n.Callee.(*ast.IdentifierNode)
	return ok && id.Value == name && len(n.Arguments) == 2
}

// hoist computes once what several columns compute: a call or a field read that appears
// more than once in a row becomes `let _cseN = …; [...]`. Mapping files repeat themselves
// on purpose (each column reads on its own), so this is common: order.shipping_address ??
// order.billing_address in every ship_to column, a line's discount in two columns.
// Expressions have no effects, so computing a value once gives the same row. A value is
// only moved when at least one of its places runs whatever the record holds (not in a
// branch of ?:, not right of && || ??, not after a ?.), so nothing runs that would not
// have run anyway.
func hoist(arr *ast.ArrayNode) ast.Node {
	var lets []*ast.VariableDeclaratorNode
	for n := 0; n < 50; n++ {
		counts := map[string]int{}
		always := map[string]bool{}
		first := map[string]ast.Node{}
		for _, col := range arr.Nodes {
			eachCandidate(col, true, func(c ast.Node, uncond bool) {
				k, ok := nodeKey(c)
				if !ok {
					return
				}
				counts[k]++
				always[k] = always[k] || uncond
				if _, seen := first[k]; !seen {
					first[k] = c
				}
			})
		}
		best := ""
		for k, cnt := range counts {
			if cnt > 1 && always[k] && (len(k) > len(best) || (len(k) == len(best) && k < best)) {
				best = k
			}
		}
		if best == "" {
			break
		}
		name := fmt.Sprintf("_cse%d", len(lets)+1)
		lets = append(lets, &ast.VariableDeclaratorNode{Name: name, Value: first[best]})
		for i := range arr.Nodes {
			replaceKey(&arr.Nodes[i], best, name)
		}
	}
	var node ast.Node = arr
	for i := len(lets) - 1; i >= 0; i-- {
		lets[i].Expr = node
		node = lets[i]
	}
	return node
}

// eachCandidate calls fn for every call and field read under n that could be computed
// once, saying whether it runs whenever n runs. Predicates are not entered: their values
// change with #.
func eachCandidate(n ast.Node, uncond bool, fn func(ast.Node, bool)) {
	switch x := n.(type) {
	case *ast.CallNode, *ast.BuiltinNode:
		if pure(x) {
			fn(x, uncond)
		}
	case *ast.MemberNode:
		if isFieldPath(x) {
			fn(x, uncond)
			return
		}
	case *ast.PredicateNode:
		return
	}
	switch x := n.(type) {
	case *ast.ConditionalNode:
		eachCandidate(x.Cond, uncond, fn)
		eachCandidate(x.Exp1, false, fn)
		eachCandidate(x.Exp2, false, fn)
	case *ast.BinaryNode:
		eachCandidate(x.Left, uncond, fn)
		switch x.Operator {
		case "&&", "||", "and", "or", "??":
			eachCandidate(x.Right, false, fn)
		default:
			eachCandidate(x.Right, uncond, fn)
		}
	case *ast.MemberNode:
		eachCandidate(x.Node, uncond, fn)
		if x.Optional {
			uncond = false
		}
		eachCandidate(x.Property, uncond, fn)
	case *ast.ChainNode:
		// Everything after the chain's first ?. may be skipped; its base always runs.
		eachCandidate(x.Node, uncond, func(c ast.Node, u bool) { fn(c, u && isChainBase(x, c)) })
	case *ast.VariableDeclaratorNode, *ast.SequenceNode:
		return // user lets: their names are in scope below; leave them alone
	default:
		for _, c := range children(n) {
			eachCandidate(c, uncond, fn)
		}
	}
}

// isChainBase reports whether c is reached in chain before any ?. (the part that always runs).
func isChainBase(chain *ast.ChainNode, c ast.Node) bool {
	n := chain.Node
	for {
		m, ok := n.(*ast.MemberNode)
		if !ok {
			return n == c || containsNode(n, c)
		}
		if m.Optional {
			return m.Node == c || containsNode(m.Node, c)
		}
		n = m.Node
	}
}

func containsNode(root, target ast.Node) bool {
	if root == target {
		return true
	}
	for _, c := range children(root) {
		if containsNode(c, target) {
			return true
		}
	}
	return false
}

// isFieldPath reports whether m reads a field of the environment by a plain path
// (order.billing_address, line.sku): no ?., no index, no method.
func isFieldPath(m *ast.MemberNode) bool {
	for {
		if m.Optional || m.Method {
			return false
		}
		if _, ok := m.Property.(*ast.StringNode); !ok {
			return false
		}
		switch x := m.Node.(type) {
		case *ast.IdentifierNode:
			return !strings.HasPrefix(x.Value, "_cse")
		case *ast.MemberNode:
			m = x
		default:
			return false
		}
	}
}

// pure reports whether a call's value depends only on the record: no let variable, no #.
func pure(n ast.Node) bool {
	ok := true
	var walk func(ast.Node)
	walk = func(n ast.Node) {
		switch x := n.(type) {
		case *ast.PointerNode, *ast.VariableDeclaratorNode, *ast.PredicateNode:
			ok = false
		case *ast.IdentifierNode:
			if strings.HasPrefix(x.Value, "_cse") {
				ok = false
			}
		case *ast.CallNode:
			if id, isID := x.Callee.(*ast.IdentifierNode); isID && id.Value == "fail" {
				ok = false
			}
		}
		for _, c := range children(n) {
			walk(c)
		}
	}
	if b, isBuiltin := n.(*ast.BuiltinNode); isBuiltin {
		for _, a := range b.Arguments {
			if _, isPred := a.(*ast.PredicateNode); isPred {
				return false
			}
		}
	}
	walk(n)
	return ok
}

// nodeKey identifies a subtree by its printed form.
func nodeKey(n ast.Node) (key string, ok bool) {
	defer func() {
		if recover() != nil {
			key, ok = "", false
		}
	}()
	return n.String(), true
}

// replaceKey replaces every subtree printed as key by the identifier name.
func replaceKey(n *ast.Node, key, name string) {
	if k, ok := nodeKey(*n); ok && k == key {
		id := &ast.IdentifierNode{Value: name}
		id.SetLocation((*n).Location())
		*n = id
		return
	}
	switch x := (*n).(type) {
	case *ast.UnaryNode:
		replaceKey(&x.Node, key, name)
	case *ast.BinaryNode:
		replaceKey(&x.Left, key, name)
		replaceKey(&x.Right, key, name)
	case *ast.ChainNode:
		replaceKey(&x.Node, key, name)
	case *ast.MemberNode:
		replaceKey(&x.Node, key, name)
	case *ast.CallNode:
		for i := range x.Arguments {
			replaceKey(&x.Arguments[i], key, name)
		}
	case *ast.BuiltinNode:
		for i := range x.Arguments {
			if _, isPred := x.Arguments[i].(*ast.PredicateNode); !isPred {
				replaceKey(&x.Arguments[i], key, name)
			}
		}
	case *ast.ConditionalNode:
		replaceKey(&x.Cond, key, name)
		replaceKey(&x.Exp1, key, name)
		replaceKey(&x.Exp2, key, name)
	case *ast.ArrayNode:
		for i := range x.Nodes {
			replaceKey(&x.Nodes[i], key, name)
		}
	}
}
