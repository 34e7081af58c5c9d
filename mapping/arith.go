package mapping

import (
	"fmt"
	"math"
	"reflect"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm/runtime"
	"github.com/shopspring/decimal"
)

// Money stays exact. expr's own arithmetic knows ints and floats, so the mapping engine
// rewrites the checked expression tree before it is compiled:
//
//   - every float literal (0.1) becomes a decimal constant, so 0.1 + 0.2 is 0.3 exactly;
//   - + - * / % and comparisons where one side is a decimal become calls of _dadd, _dlt …,
//     which take decimals, ints and floats, and give decimals (or bools);
//   - unary minus of a decimal becomes _dneg, and sum(list, …) of decimals becomes
//     _dsum(map(list, …));
//   - + of text, or of values whose type is only known when the expression runs, becomes
//     _concat / _plus, which refuse to build text longer than maxText, so that no expression
//     can grow text until the process runs out of memory (let b = a + a; let c = b + b; …).
//
// The internal functions start with an underscore; a mapping has no reason to call them.

// maxText is the longest text an expression may build (in bytes): far more than any
// staging column holds, far less than could hurt.
const maxText = 64 << 10

var anyType = reflect.TypeFor[any]()

type arithFunc struct {
	name string
	op   string
	cmp  bool
	fn   func(a, b decimal.Decimal) any
}

var arithFuncs = []arithFunc{
	{"_dadd", "+", false, func(a, b decimal.Decimal) any { return a.Add(b) }},
	{"_dsub", "-", false, func(a, b decimal.Decimal) any { return a.Sub(b) }},
	{"_dmul", "*", false, func(a, b decimal.Decimal) any { return a.Mul(b) }},
	{"_ddiv", "/", false, nil}, // division checks for zero, below
	{"_dmod", "%", false, nil},
	{"_dlt", "<", true, func(a, b decimal.Decimal) any { return a.LessThan(b) }},
	{"_dle", "<=", true, func(a, b decimal.Decimal) any { return a.LessThanOrEqual(b) }},
	{"_dgt", ">", true, func(a, b decimal.Decimal) any { return a.GreaterThan(b) }},
	{"_dge", ">=", true, func(a, b decimal.Decimal) any { return a.GreaterThanOrEqual(b) }},
	{"_deq", "==", true, func(a, b decimal.Decimal) any { return a.Equal(b) }},
	{"_dne", "!=", true, func(a, b decimal.Decimal) any { return !a.Equal(b) }},
}

// arithOptions registers the functions the arithmetic patcher calls. They hold no state,
// so every configuration shares them.
var arithOptions = newArithOptions()

func newArithOptions() []expr.Option {
	var opts []expr.Option
	for _, f := range arithFuncs {
		var types []any
		if f.cmp {
			types = []any{
				new(func(decimal.Decimal, decimal.Decimal) bool),
				new(func(decimal.Decimal, int) bool), new(func(int, decimal.Decimal) bool),
				new(func(decimal.Decimal, int64) bool), new(func(int64, decimal.Decimal) bool),
				new(func(decimal.Decimal, float64) bool), new(func(float64, decimal.Decimal) bool),
			}
		} else {
			types = []any{
				new(func(decimal.Decimal, decimal.Decimal) decimal.Decimal),
				new(func(decimal.Decimal, int) decimal.Decimal), new(func(int, decimal.Decimal) decimal.Decimal),
				new(func(decimal.Decimal, int64) decimal.Decimal), new(func(int64, decimal.Decimal) decimal.Decimal),
				new(func(decimal.Decimal, float64) decimal.Decimal), new(func(float64, decimal.Decimal) decimal.Decimal),
			}
		}
		fn := f.fn
		// Identities that are the common case (quantity 1, no discount) give back the
		// other operand as it is: no new decimal, no allocation.
		identity := func(p []any) (any, bool) { return nil, false }
		switch f.name {
		case "_dadd":
			identity = func(p []any) (any, bool) {
				if isZero(p[1]) {
					return p[0], true
				}
				if isZero(p[0]) {
					return p[1], true
				}
				return nil, false
			}
		case "_dsub":
			identity = func(p []any) (any, bool) {
				if isZero(p[1]) {
					return p[0], true
				}
				return nil, false
			}
		case "_dmul":
			identity = func(p []any) (any, bool) {
				if p[1] == 1 {
					return p[0], true
				}
				if p[0] == 1 {
					return p[1], true
				}
				return nil, false
			}
		}
		switch f.name {
		case "_ddiv":
			fn = func(a, b decimal.Decimal) any {
				if b.IsZero() {
					panic("division by zero")
				}
				// Div gives 16 places; keep the places that say something, and at least
				// those of the operands (10.00 / 4 is 2.50).
				q := a.Div(b).Normalize()
				if places := max(-a.Exponent(), -b.Exponent(), 0); -q.Exponent() < places {
					q = q.Round(places)
				}
				return q
			}
		case "_dmod":
			fn = func(a, b decimal.Decimal) any {
				if b.IsZero() {
					panic("division by zero")
				}
				return a.Mod(b)
			}
		}
		opts = append(opts, expr.Function(f.name, func(p ...any) (any, error) {
			if v, ok := identity(p); ok {
				if _, isDec := v.(decimal.Decimal); isDec {
					return v, nil
				}
			}
			a, err := toDecimal(p[0])
			if err != nil {
				return nil, err
			}
			b, err := toDecimal(p[1])
			if err != nil {
				return nil, err
			}
			return fn(a, b), nil
		}, types...))
	}
	opts = append(opts,
		expr.Function("_dneg", func(p ...any) (any, error) {
			d, err := toDecimal(p[0])
			return d.Neg(), err
		}, new(func(decimal.Decimal) decimal.Decimal)),
		expr.Function("_dsum", func(p ...any) (any, error) {
			items, ok := p[0].([]any)
			if !ok {
				return nil, fmt.Errorf("sum: want a list, got %T", p[0])
			}
			total := decimal.Zero
			for _, it := range items {
				d, err := toDecimal(it)
				if err != nil {
					return nil, err
				}
				total = total.Add(d)
			}
			return total, nil
		}, new(func([]any) decimal.Decimal)),
		expr.Function("_dsumf", func(p ...any) (any, error) {
			return sumField(p[0], p[1].(*decimalField))
		}, new(func(any, *decimalField) decimal.Decimal)),
		expr.Function("_concat", func(p ...any) (any, error) {
			a, _ := p[0].(string)
			b, _ := p[1].(string)
			if len(a)+len(b) > maxText {
				return nil, errTextTooLong
			}
			return a + b, nil
		}, new(func(string, string) string)),
		expr.Function("_plus", func(p ...any) (any, error) { return plus(p[0], p[1]) },
			new(func(any, any) any)),
		expr.Function("_or", func(p ...any) (any, error) {
			if v := reflect.ValueOf(p[0]); v.IsValid() && !v.IsNil() {
				return p[0], nil
			}
			return p[1], nil
		}, orTypes()...),
	)
	return opts
}

// orTypes are _or's signatures: func(*T, *T) *T for every struct of the environments.
func orTypes() []any {
	var types []any
	for t := range structNames {
		pt := reflect.PointerTo(t)
		ft := reflect.FuncOf([]reflect.Type{pt, pt}, []reflect.Type{pt}, false)
		types = append(types, reflect.New(ft).Interface())
	}
	return types
}

var errTextTooLong = fmt.Errorf("text longer than %d bytes", maxText)

// plus is + for values whose types were not known when the expression was compiled.
func plus(a, b any) (any, error) {
	if s, ok := a.(string); ok {
		if t, ok := b.(string); ok {
			if len(s)+len(t) > maxText {
				return nil, errTextTooLong
			}
			return s + t, nil
		}
	}
	_, da := a.(decimal.Decimal)
	_, db := b.(decimal.Decimal)
	if da || db {
		x, err := toDecimal(a)
		if err != nil {
			return nil, err
		}
		y, err := toDecimal(b)
		if err != nil {
			return nil, err
		}
		return x.Add(y), nil
	}
	return runtime.Add(a, b), nil // numbers, time + duration; panics (an error) otherwise
}

// isZero reports whether v is a zero decimal or the int 0.
func isZero(v any) bool {
	switch x := v.(type) {
	case decimal.Decimal:
		return x.IsZero()
	case int:
		return x == 0
	}
	return false
}

// toDecimal converts the numbers expressions handle to a decimal.
func toDecimal(v any) (decimal.Decimal, error) {
	switch x := v.(type) {
	case decimal.Decimal:
		return x, nil
	case int:
		return decimal.NewFromInt(int64(x)), nil
	case int64:
		return decimal.NewFromInt(x), nil
	case int32:
		return decimal.NewFromInt(int64(x)), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return decimal.Decimal{}, fmt.Errorf("%v is not a number", x)
		}
		return decimal.NewFromFloat(x), nil
	case nil:
		return decimal.Decimal{}, fmt.Errorf("a number is missing (nil)")
	case string:
		d, err := decimal.NewFromString(strings.TrimSpace(x))
		if err != nil {
			return decimal.Decimal{}, fmt.Errorf("%q is not a number", x)
		}
		return d, nil
	}
	return decimal.Decimal{}, fmt.Errorf("%s is not a number", typeName(reflect.TypeOf(v)))
}

// floatPatcher turns float literals into decimal constants, before anything else looks at
// the tree. The literal's own text is read, so 0.30 keeps its two places.
type floatPatcher struct{ src []rune }

func (p floatPatcher) Visit(node *ast.Node) {
	f, ok := (*node).(*ast.FloatNode)
	if !ok {
		return
	}
	d := decimal.NewFromFloat(f.Value)
	if loc := f.Location(); loc.From >= 0 && loc.To <= len(p.src) && loc.From < loc.To {
		if exact, err := decimal.NewFromString(string(p.src[loc.From:loc.To])); err == nil {
			d = exact
		}
	}
	c := &ast.ConstantNode{Value: d}
	c.SetType(decimalType)
	ast.Patch(node, c)
}

// arithPatcher rewrites operators on decimals and on text, see the top of this file. It is
// run again and again by the checker until it changes nothing: each pass sees the types the
// previous one produced, so a + b + c with decimals resolves from the inside out. The
// generic _plus is only used once the typed rewrites are exhausted, so that an expression
// keeps its static type wherever it can be known.
type arithPatcher struct {
	applied bool
	generic bool     // the typed rewrites found nothing more to do
	root    ast.Node // the last node visited: the walk is post-order
}

func (p *arithPatcher) Reset() { p.applied = false }

func (p *arithPatcher) ShouldRepeat() bool {
	// expr's checker does not look into the arguments of a call that already has a type,
	// so values patched in there would keep no type; forgetting the calls' types makes the
	// next check see the whole tree again.
	if p.root != nil {
		forgetCallTypes(p.root)
	}
	if !p.applied && !p.generic {
		p.generic = true
		return true
	}
	return p.applied
}

func (p *arithPatcher) Visit(node *ast.Node) {
	p.root = *node
	switch n := (*node).(type) {
	case *ast.BinaryNode:
		p.binary(node, n)
	case *ast.UnaryNode:
		if n.Operator == "-" && n.Node.Type() == decimalType {
			p.replace(node, "_dneg", decimalType, n.Node)
		}
	case *ast.BuiltinNode:
		if n.Name != "sum" || n.Type() != decimalType {
			return
		}
		list := n.Arguments[0]
		if len(n.Arguments) == 2 {
			if path := fieldPath(list.Type(), n.Arguments[1]); path != nil {
				// sum(list, .a.b) of a plain field: summed in Go, without building a list.
				c := &ast.ConstantNode{Value: path}
				c.SetType(reflect.TypeOf(path))
				p.replace(node, "_dsumf", decimalType, list, c)
				return
			}
			m := &ast.BuiltinNode{Name: "map", Arguments: []ast.Node{n.Arguments[0], n.Arguments[1]}}
			m.SetLocation(n.Location())
			list = m
		}
		p.replace(node, "_dsum", decimalType, list)
	}
}

func (p *arithPatcher) binary(node *ast.Node, n *ast.BinaryNode) {
	l, r := n.Left.Type(), n.Right.Type()
	if n.Operator == "??" {
		// a ?? b on two pointers to the same struct: expr would copy the struct it picks;
		// _or hands on the pointer.
		if l == r && l.Kind() == reflect.Pointer && l.Elem().Kind() == reflect.Struct && structNames[l.Elem()] != "" {
			p.replace(node, "_or", l, n.Left, n.Right)
		}
		return
	}
	if l == decimalType || r == decimalType {
		if !isNumberType(l) || !isNumberType(r) {
			return // let the checker say what does not fit
		}
		for _, f := range arithFuncs {
			if f.op == n.Operator {
				ret := decimalType
				if f.cmp {
					ret = boolType
				}
				p.replace(node, f.name, ret, n.Left, n.Right)
				return
			}
		}
		return
	}
	if n.Operator != "+" {
		return
	}
	switch {
	case l.Kind() == reflect.String && r.Kind() == reflect.String:
		p.replace(node, "_concat", stringType, n.Left, n.Right)
	case p.generic && (l == anyType || r == anyType) && !isIntType(l) && !isIntType(r) && !isFloatType(l) && !isFloatType(r):
		p.replace(node, "_plus", anyType, n.Left, n.Right)
	}
}

func (p *arithPatcher) replace(node *ast.Node, fn string, ret reflect.Type, args ...ast.Node) {
	call := &ast.CallNode{Callee: &ast.IdentifierNode{Value: fn}, Arguments: args}
	call.SetType(ret)
	ast.Patch(node, call)
	p.applied = true
}

var (
	boolType   = reflect.TypeFor[bool]()
	stringType = reflect.TypeFor[string]()
)

func isIntType(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	}
	return false
}

func isFloatType(t reflect.Type) bool {
	return t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64
}

func isNumberType(t reflect.Type) bool {
	return t == decimalType || t == anyType || isIntType(t) || isFloatType(t)
}

// decimalField is the path to a decimal field inside a list's elements, found when the
// expression is compiled.
type decimalField struct {
	Index []int // exported so that the expression printer tells two fields apart
}

// fieldPath returns the path of a predicate that only reads a decimal field of the
// element (.amount, .price_set.shop_money.amount), or nil.
func fieldPath(list reflect.Type, pred ast.Node) *decimalField {
	pn, ok := pred.(*ast.PredicateNode)
	if !ok || list.Kind() != reflect.Slice {
		return nil
	}
	var names []string
	n := pn.Node
	for {
		m, ok := n.(*ast.MemberNode)
		if !ok || m.Optional || m.Method {
			break
		}
		s, ok := m.Property.(*ast.StringNode)
		if !ok {
			return nil
		}
		names = append([]string{s.Value}, names...)
		n = m.Node
	}
	if ptr, ok := n.(*ast.PointerNode); !ok || ptr.Name != "" || len(names) == 0 {
		return nil
	}
	t := list.Elem()
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var index []int
	for _, name := range names {
		if t.Kind() != reflect.Struct {
			return nil // a pointer inside the element could be nil: leave it to expr
		}
		f, ok := fieldByTag(t, name)
		if !ok {
			return nil
		}
		index = append(index, f.Index...)
		t = f.Type
	}
	if t != decimalType {
		return nil
	}
	return &decimalField{Index: index}
}

func fieldByTag(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := 0; i < t.NumField(); i++ {
		if t.Field(i).Tag.Get("expr") == name {
			return t.Field(i), true
		}
	}
	return reflect.StructField{}, false
}

// sumField adds up one decimal field of every element of a list of structs (or pointers
// to structs). nil elements count as nothing.
func sumField(list any, f *decimalField) (any, error) {
	v := reflect.ValueOf(list)
	if v.Kind() != reflect.Slice {
		return decimal.Zero, nil
	}
	var total decimal.Decimal
	for i := 0; i < v.Len(); i++ {
		e := v.Index(i)
		if e.Kind() == reflect.Pointer {
			if e.IsNil() {
				continue
			}
			e = e.Elem()
		}
		d := *(*decimal.Decimal)(e.FieldByIndex(f.Index).Addr().UnsafePointer())
		if i == 0 {
			total = d
		} else {
			total = total.Add(d)
		}
	}
	return total, nil
}
