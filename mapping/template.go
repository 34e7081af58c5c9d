package mapping

import (
	"strings"

	"github.com/expr-lang/expr/vm"
	"github.com/passthrough-dev/passthrough/mapping/internal/yamlfile"
	"go.yaml.in/yaml/v3"
)

// template is a message: text with ${expression} pieces, e.g.
// "not paid yet (financial status ${order.financial_status})". Messages are only built for
// rejected records, so each piece is its own small program.
type template struct {
	parts []tmplPart
}

type tmplPart struct {
	text string
	x    *compiled
}

// parseTemplate reads a message. Each ${…} piece is compiled, its errors placed inside the
// message where the piece is.
func parseTemplate(src *yamlfile.Source, c *exprCompiler, n *yaml.Node, env any) *template {
	s, ok := src.Scalar(n, "message")
	if !ok {
		return nil
	}
	t := &template{}
	runes := []rune(s)
	var text strings.Builder
	failed := false
	for i := 0; i < len(runes); i++ {
		if runes[i] != '$' || i+1 >= len(runes) || runes[i+1] != '{' {
			text.WriteRune(runes[i])
			continue
		}
		end := closingBrace(runes, i+2)
		if end < 0 {
			exprError(src, n, i, "${expression} with its closing }", "unclosed ${ in message")
			return nil
		}
		if text.Len() > 0 {
			t.parts = append(t.parts, tmplPart{text: text.String()})
			text.Reset()
		}
		x := c.compileAt(n, string(runes[i+2:end]), i+2, env, wantText)
		if x == nil {
			failed = true
		}
		t.parts = append(t.parts, tmplPart{x: x})
		i = end
	}
	if text.Len() > 0 {
		t.parts = append(t.parts, tmplPart{text: text.String()})
	}
	if failed {
		return nil
	}
	return t
}

// closingBrace finds the } that ends a ${ piece starting at from, skipping braces inside
// quoted text and nested { }.
func closingBrace(r []rune, from int) int {
	depth := 0
	var quote rune
	for i := from; i < len(r); i++ {
		switch {
		case quote != 0:
			if r[i] == '\\' {
				i++
			} else if r[i] == quote {
				quote = 0
			}
		case r[i] == '"' || r[i] == '\'' || r[i] == '`':
			quote = r[i]
		case r[i] == '{':
			depth++
		case r[i] == '}':
			if depth == 0 {
				return i
			}
			depth--
		}
	}
	return -1
}

// render builds the message for one record. A piece that fails shows as ?, so a broken
// message never hides the rejection it explains.
func (t *template) render(m *vm.VM, env any) string {
	var b strings.Builder
	for _, p := range t.parts {
		if p.x == nil {
			b.WriteString(p.text)
			continue
		}
		v, err := m.Run(p.x.prog, env)
		if err != nil {
			b.WriteString("?")
			continue
		}
		b.WriteString(Display(v))
	}
	return b.String()
}
