package mapping

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/passthrough-dev/passthrough/mapping/internal/yamlfile"
)

// Diagnostic is one problem in a mapping file, placed where a person can find it; String
// renders it with the line and a caret, as the CLI and the portal show it.
type Diagnostic = yamlfile.Diagnostic

// Diagnostics is every problem found in a set of mapping files. Loading reports all of
// them at once, so a person fixes a file in one pass.
type Diagnostics = yamlfile.Diagnostics

// Report writes every problem of a failed load to w, a blank line after them, and returns
// an error that counts them, for a command to fail with. An error that is not
// *Diagnostics is returned as it is, unwritten.
func Report(w io.Writer, err error) error {
	var diags *Diagnostics
	if !errors.As(err, &diags) {
		return err
	}
	fmt.Fprintln(w, diags.Error())
	fmt.Fprintln(w)
	n := len(diags.List)
	if n == 1 {
		return errors.New("1 problem in the mapping files")
	}
	return fmt.Errorf("%d problems in the mapping files", n)
}

// valuePos finds the file position of the character at offset (in runes) of a scalar's
// value. YAML may have changed the text on the way (quotes, escapes, block scalars whose
// text starts on the next line, folded lines), so the value is walked against the file's
// text, skipping what YAML removed. When they cannot be matched the node's own position is
// the answer: approximate, never wrong about the line the value starts on.
func valuePos(s *yamlfile.Source, n *yaml.Node, offset int) (line, col int) {
	value := []rune(n.Value)
	if offset > len(value) {
		offset = len(value)
	}
	ln, c := n.Line, n.Column // 1-based; c counts runes
	runes := []rune(s.Line(ln))
	next := func() (rune, bool) { // advance one rune in the file, across line ends
		if c-1 < len(runes) {
			c++
			return runes[c-2], true
		}
		if ln >= len(s.Lines) {
			return 0, false
		}
		ln++
		c = 1
		runes = []rune(s.Line(ln))
		return '\n', true
	}
	peek := func() (rune, bool) {
		if c-1 < len(runes) {
			return runes[c-1], true
		}
		if ln >= len(s.Lines) {
			return 0, false
		}
		return '\n', true
	}
	switch n.Style {
	case yaml.LiteralStyle, yaml.FoldedStyle:
		for { // the value starts on the line after the | or >
			r, ok := next()
			if !ok {
				return n.Line, n.Column
			}
			if r == '\n' {
				break
			}
		}
	case yaml.SingleQuotedStyle, yaml.DoubleQuotedStyle:
		next()
	}
	for i := 0; i <= offset; i++ {
		var want rune
		if i < len(value) {
			want = value[i]
		}
		for {
			r, ok := peek()
			if !ok {
				return n.Line, n.Column
			}
			if i == len(value) || r == want {
				break
			}
			if !strings.ContainsRune(" \t\n\\\"'", r) {
				return n.Line, n.Column
			}
			next()
		}
		if i == offset {
			return ln, c
		}
		next()
	}
	return ln, c
}

// exprError records a problem at an offset (in runes) inside the expression held by n.
func exprError(s *yamlfile.Source, n *yaml.Node, offset int, expected, format string, args ...any) {
	line, col := valuePos(s, n, offset)
	s.ErrorAt(line, col, expected, format, args...)
}
