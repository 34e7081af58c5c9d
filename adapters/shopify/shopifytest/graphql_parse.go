package shopifytest

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// A small GraphQL parser: operations, variables, fields with aliases, arguments and
// directives, nested selections. Fragments are not supported; nothing the adapter sends
// uses them, and a request that does gets a clear error instead of a wrong answer.

type gqlDoc struct {
	ops []*gqlOp
}

type gqlOp struct {
	kind string // query or mutation
	name string
	vars []gqlVarDef
	sel  []*gqlField
}

type gqlVarDef struct {
	name   string
	typ    string
	def    any
	hasDef bool
}

type gqlField struct {
	alias, name string
	args        map[string]any
	dirs        []gqlDirective
	sel         []*gqlField // nil for a leaf
	line, col   int
}

func (f *gqlField) key() string {
	if f.alias != "" {
		return f.alias
	}
	return f.name
}

type gqlDirective struct {
	name string
	args map[string]any
}

// gqlVar is a $variable in a value; gqlEnum an enum literal.
type (
	gqlVar  string
	gqlEnum string
)

// gqlError is a GraphQL error as Shopify reports it.
type gqlError struct {
	Message    string
	Code       string
	line, col  int
	noLocation bool
}

type gqlLocation struct {
	Line   int `json:"line"`
	Column int `json:"column"`
}

func (e *gqlError) Error() string { return e.Message }

func (e *gqlError) body() map[string]any {
	m := map[string]any{"message": e.Message}
	if !e.noLocation && e.line > 0 {
		m["locations"] = []gqlLocation{{Line: e.line, Column: e.col}}
	}
	if e.Code != "" {
		m["extensions"] = map[string]any{"code": e.Code}
	}
	return m
}

type tokKind int

const (
	tEOF tokKind = iota
	tPunct
	tName
	tInt
	tFloat
	tString
)

type token struct {
	kind      tokKind
	val       string
	line, col int
}

func lexGraphQL(src string) ([]token, error) {
	var toks []token
	line, lineStart := 1, 0
	i := 0
	for i < len(src) {
		c := src[i]
		col := i - lineStart + 1
		switch {
		case c == '\n':
			line, lineStart = line+1, i+1
			i++
		case c == ' ' || c == '\t' || c == '\r' || c == ',':
			i++
		case c == '#':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case strings.HasPrefix(src[i:], "..."):
			toks = append(toks, token{tPunct, "...", line, col})
			i += 3
		case strings.ContainsRune("!$&():=@[]{}|", rune(c)):
			toks = append(toks, token{tPunct, string(c), line, col})
			i++
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j := i + 1
			for j < len(src) && (src[j] == '_' || src[j] >= 'a' && src[j] <= 'z' || src[j] >= 'A' && src[j] <= 'Z' || src[j] >= '0' && src[j] <= '9') {
				j++
			}
			toks = append(toks, token{tName, src[i:j], line, col})
			i = j
		case c == '-' || c >= '0' && c <= '9':
			j := i + 1
			kind := tInt
			for j < len(src) && (src[j] >= '0' && src[j] <= '9' || src[j] == '.' || src[j] == 'e' || src[j] == 'E' || ((src[j] == '+' || src[j] == '-') && (src[j-1] == 'e' || src[j-1] == 'E'))) {
				if src[j] == '.' || src[j] == 'e' || src[j] == 'E' {
					kind = tFloat
				}
				j++
			}
			num := src[i:j]
			if _, err := strconv.ParseFloat(num, 64); err != nil {
				return nil, &gqlError{Message: fmt.Sprintf("Parse error on %q (number) at [%d, %d]", num, line, col), line: line, col: col}
			}
			toks = append(toks, token{kind, num, line, col})
			i = j
		case strings.HasPrefix(src[i:], `"""`):
			end := strings.Index(src[i+3:], `"""`)
			if end < 0 {
				return nil, &gqlError{Message: fmt.Sprintf("Parse error: unterminated string at [%d, %d]", line, col), line: line, col: col}
			}
			body := src[i+3 : i+3+end]
			toks = append(toks, token{tString, body, line, col})
			line += strings.Count(body, "\n")
			i += 6 + end
		case c == '"':
			var b strings.Builder
			j := i + 1
			for {
				if j >= len(src) || src[j] == '\n' {
					return nil, &gqlError{Message: fmt.Sprintf("Parse error: unterminated string at [%d, %d]", line, col), line: line, col: col}
				}
				if src[j] == '"' {
					j++
					break
				}
				if src[j] == '\\' && j+1 < len(src) {
					switch e := src[j+1]; e {
					case '"', '\\', '/':
						b.WriteByte(e)
					case 'b':
						b.WriteByte('\b')
					case 'f':
						b.WriteByte('\f')
					case 'n':
						b.WriteByte('\n')
					case 'r':
						b.WriteByte('\r')
					case 't':
						b.WriteByte('\t')
					case 'u':
						if j+6 > len(src) {
							return nil, &gqlError{Message: "Parse error: bad unicode escape", line: line, col: col}
						}
						n, err := strconv.ParseUint(src[j+2:j+6], 16, 32)
						if err != nil {
							return nil, &gqlError{Message: "Parse error: bad unicode escape", line: line, col: col}
						}
						b.WriteRune(rune(n))
						j += 4
					default:
						return nil, &gqlError{Message: "Parse error: bad escape", line: line, col: col}
					}
					j += 2
					continue
				}
				r, size := utf8.DecodeRuneInString(src[j:])
				b.WriteRune(r)
				j += size
			}
			toks = append(toks, token{tString, b.String(), line, col})
			i = j
		default:
			return nil, &gqlError{Message: fmt.Sprintf("Parse error on %q at [%d, %d]", string(c), line, col), line: line, col: col}
		}
	}
	toks = append(toks, token{tEOF, "", line, i - lineStart + 1})
	return toks, nil
}

type gqlParser struct {
	toks []token
	pos  int
}

func parseGraphQL(src string) (*gqlDoc, error) {
	toks, err := lexGraphQL(src)
	if err != nil {
		return nil, err
	}
	p := &gqlParser{toks: toks}
	doc := &gqlDoc{}
	for p.peek().kind != tEOF {
		op, err := p.operation()
		if err != nil {
			return nil, err
		}
		doc.ops = append(doc.ops, op)
	}
	if len(doc.ops) == 0 {
		return nil, &gqlError{Message: "No operations in query document", noLocation: true}
	}
	return doc, nil
}

func (p *gqlParser) peek() token { return p.toks[p.pos] }

func (p *gqlParser) next() token {
	t := p.toks[p.pos]
	if t.kind != tEOF {
		p.pos++
	}
	return t
}

func (p *gqlParser) fail(t token) error {
	what := t.val
	if t.kind == tEOF {
		what = "end of file"
	}
	return &gqlError{Message: fmt.Sprintf("Parse error on %q at [%d, %d]", what, t.line, t.col), line: t.line, col: t.col}
}

func (p *gqlParser) expect(punct string) error {
	t := p.next()
	if t.kind != tPunct || t.val != punct {
		return p.fail(t)
	}
	return nil
}

func (p *gqlParser) isPunct(punct string) bool {
	t := p.peek()
	return t.kind == tPunct && t.val == punct
}

func (p *gqlParser) name() (string, error) {
	t := p.next()
	if t.kind != tName {
		return "", p.fail(t)
	}
	return t.val, nil
}

func (p *gqlParser) operation() (*gqlOp, error) {
	op := &gqlOp{kind: "query"}
	if p.isPunct("{") {
		sel, err := p.selectionSet()
		op.sel = sel
		return op, err
	}
	t := p.next()
	switch {
	case t.kind == tName && (t.val == "query" || t.val == "mutation"):
		op.kind = t.val
	case t.kind == tName && t.val == "fragment":
		return nil, &gqlError{Message: "Fragments are not supported by the simulator", line: t.line, col: t.col}
	case t.kind == tName && t.val == "subscription":
		return nil, &gqlError{Message: "Subscriptions are not supported", line: t.line, col: t.col}
	default:
		return nil, p.fail(t)
	}
	if p.peek().kind == tName {
		op.name = p.next().val
	}
	if p.isPunct("(") {
		p.next()
		for !p.isPunct(")") {
			if err := p.expect("$"); err != nil {
				return nil, err
			}
			n, err := p.name()
			if err != nil {
				return nil, err
			}
			if err := p.expect(":"); err != nil {
				return nil, err
			}
			typ, err := p.typeRef()
			if err != nil {
				return nil, err
			}
			vd := gqlVarDef{name: n, typ: typ}
			if p.isPunct("=") {
				p.next()
				if vd.def, err = p.value(true); err != nil {
					return nil, err
				}
				vd.hasDef = true
			}
			op.vars = append(op.vars, vd)
		}
		p.next()
	}
	if _, err := p.directives(); err != nil {
		return nil, err
	}
	sel, err := p.selectionSet()
	op.sel = sel
	return op, err
}

func (p *gqlParser) typeRef() (string, error) {
	var typ string
	if p.isPunct("[") {
		p.next()
		inner, err := p.typeRef()
		if err != nil {
			return "", err
		}
		if err := p.expect("]"); err != nil {
			return "", err
		}
		typ = "[" + inner + "]"
	} else {
		n, err := p.name()
		if err != nil {
			return "", err
		}
		typ = n
	}
	if p.isPunct("!") {
		p.next()
		typ += "!"
	}
	return typ, nil
}

func (p *gqlParser) selectionSet() ([]*gqlField, error) {
	if err := p.expect("{"); err != nil {
		return nil, err
	}
	var fields []*gqlField
	for !p.isPunct("}") {
		if p.isPunct("...") {
			t := p.peek()
			return nil, &gqlError{Message: "Fragments are not supported by the simulator", line: t.line, col: t.col}
		}
		f, err := p.field()
		if err != nil {
			return nil, err
		}
		fields = append(fields, f)
	}
	p.next()
	if len(fields) == 0 {
		t := p.peek()
		return nil, &gqlError{Message: "Parse error: empty selection set", line: t.line, col: t.col}
	}
	return fields, nil
}

func (p *gqlParser) field() (*gqlField, error) {
	t := p.peek()
	n, err := p.name()
	if err != nil {
		return nil, err
	}
	f := &gqlField{name: n, line: t.line, col: t.col}
	if p.isPunct(":") {
		p.next()
		f.alias = n
		if f.name, err = p.name(); err != nil {
			return nil, err
		}
	}
	if p.isPunct("(") {
		if f.args, err = p.arguments(); err != nil {
			return nil, err
		}
	}
	if f.dirs, err = p.directives(); err != nil {
		return nil, err
	}
	if p.isPunct("{") {
		if f.sel, err = p.selectionSet(); err != nil {
			return nil, err
		}
	}
	return f, nil
}

func (p *gqlParser) arguments() (map[string]any, error) {
	if err := p.expect("("); err != nil {
		return nil, err
	}
	args := map[string]any{}
	for !p.isPunct(")") {
		n, err := p.name()
		if err != nil {
			return nil, err
		}
		if err := p.expect(":"); err != nil {
			return nil, err
		}
		v, err := p.value(false)
		if err != nil {
			return nil, err
		}
		args[n] = v
	}
	p.next()
	return args, nil
}

func (p *gqlParser) directives() ([]gqlDirective, error) {
	var ds []gqlDirective
	for p.isPunct("@") {
		p.next()
		n, err := p.name()
		if err != nil {
			return nil, err
		}
		d := gqlDirective{name: n}
		if p.isPunct("(") {
			if d.args, err = p.arguments(); err != nil {
				return nil, err
			}
		}
		ds = append(ds, d)
	}
	return ds, nil
}

func (p *gqlParser) value(constant bool) (any, error) {
	t := p.next()
	switch t.kind {
	case tInt, tFloat:
		return json.Number(t.val), nil
	case tString:
		return t.val, nil
	case tName:
		switch t.val {
		case "true":
			return true, nil
		case "false":
			return false, nil
		case "null":
			return nil, nil
		}
		return gqlEnum(t.val), nil
	case tPunct:
		switch t.val {
		case "$":
			if constant {
				return nil, p.fail(t)
			}
			n, err := p.name()
			return gqlVar(n), err
		case "[":
			list := []any{}
			for !p.isPunct("]") {
				v, err := p.value(constant)
				if err != nil {
					return nil, err
				}
				list = append(list, v)
			}
			p.next()
			return list, nil
		case "{":
			obj := map[string]any{}
			for !p.isPunct("}") {
				n, err := p.name()
				if err != nil {
					return nil, err
				}
				if err := p.expect(":"); err != nil {
					return nil, err
				}
				v, err := p.value(constant)
				if err != nil {
					return nil, err
				}
				obj[n] = v
			}
			p.next()
			return obj, nil
		}
	}
	return nil, p.fail(t)
}

// resolve replaces variables in a value with their values. A field whose variable was not
// given is left out of its object, as GraphQL does.
func resolve(v any, vars map[string]any) (any, bool) {
	switch x := v.(type) {
	case gqlVar:
		val, ok := vars[string(x)]
		return val, ok
	case gqlEnum:
		return string(x), true
	case []any:
		out := make([]any, 0, len(x))
		for _, e := range x {
			r, _ := resolve(e, vars)
			out = append(out, r)
		}
		return out, true
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if r, ok := resolve(e, vars); ok {
				out[k] = r
			}
		}
		return out, true
	}
	return v, true
}
