package mapping

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Diagnostic is one problem in a mapping file, placed where a person can find it.
type Diagnostic struct {
	File     string
	Line     int    // 1-based; 0 when the problem is the whole file
	Column   int    // 1-based, in characters
	Message  string // what is wrong
	Expected string // what would have been right; may be empty
	Source   string // the text of the line, for the caret
}

// String renders the diagnostic as the CLI and the portal show it:
//
//	orders.yaml:14:19: unknown name ordr
//	   14 |     order_number: ordr.name
//	      |                   ^
//	      = expected: a name the expression can use: shop, order or now
func (d Diagnostic) String() string {
	var b strings.Builder
	switch {
	case d.Line == 0:
		fmt.Fprintf(&b, "%s: %s", d.File, d.Message)
	default:
		fmt.Fprintf(&b, "%s:%d:%d: %s", d.File, d.Line, d.Column, d.Message)
	}
	gutter := strings.Repeat(" ", len(fmt.Sprint(d.Line))+1)
	if d.Line > 0 {
		src := strings.TrimRight(d.Source, " \t\r")
		fmt.Fprintf(&b, "\n %d | %s", d.Line, src)
		fmt.Fprintf(&b, "\n%s | %s^", gutter, caretPad(d.Source, d.Column))
	}
	if d.Expected != "" {
		fmt.Fprintf(&b, "\n%s = expected: %s", gutter, d.Expected)
	}
	return b.String()
}

// caretPad is the blank space before a caret under column col of line: tabs stay tabs so
// the caret lines up however the terminal shows them.
func caretPad(line string, col int) string {
	var b strings.Builder
	i := 1
	for _, r := range line {
		if i >= col {
			break
		}
		if r == '\t' {
			b.WriteRune('\t')
		} else {
			b.WriteByte(' ')
		}
		i++
	}
	for ; i < col; i++ {
		b.WriteByte(' ')
	}
	return b.String()
}

// Diagnostics is every problem found in a set of mapping files. Loading reports all of
// them at once, so a person fixes a file in one pass.
type Diagnostics struct {
	List []Diagnostic
}

func (d *Diagnostics) Error() string {
	parts := make([]string, len(d.List))
	for i, x := range d.List {
		parts[i] = x.String()
	}
	return strings.Join(parts, "\n\n")
}

func (d *Diagnostics) add(x ...Diagnostic) { d.List = append(d.List, x...) }

func (d *Diagnostics) empty() bool { return d == nil || len(d.List) == 0 }

// sorted orders the problems by file and position.
func (d *Diagnostics) sort() {
	sort.SliceStable(d.List, func(i, j int) bool {
		a, b := d.List[i], d.List[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
}

// source is one mapping file's text, kept to place problems and to print their lines.
type source struct {
	name  string
	lines []string
	diags *Diagnostics
}

func newSource(name string, text []byte, diags *Diagnostics) *source {
	s := strings.ReplaceAll(string(text), "\r\n", "\n")
	return &source{name: name, lines: strings.Split(s, "\n"), diags: diags}
}

func (s *source) line(n int) string {
	if n < 1 || n > len(s.lines) {
		return ""
	}
	return s.lines[n-1]
}

// diagAt builds a problem at a line and column of the file.
func (s *source) diagAt(line, col int, expected, format string, args ...any) Diagnostic {
	return Diagnostic{File: s.name, Line: line, Column: col, Source: s.line(line),
		Message: fmt.Sprintf(format, args...), Expected: expected}
}

// diagNode builds a problem at the start of a YAML node (a key, a value), or about the
// whole file when n is nil.
func (s *source) diagNode(n *yaml.Node, expected, format string, args ...any) Diagnostic {
	if n == nil {
		return Diagnostic{File: s.name, Message: fmt.Sprintf(format, args...), Expected: expected}
	}
	return s.diagAt(n.Line, n.Column, expected, format, args...)
}

// errorAt records a problem at a line and column of the file.
func (s *source) errorAt(line, col int, expected, format string, args ...any) {
	s.diags.add(s.diagAt(line, col, expected, format, args...))
}

// errorf records a problem at the start of a YAML node.
func (s *source) errorf(n *yaml.Node, expected, format string, args ...any) {
	s.diags.add(s.diagNode(n, expected, format, args...))
}

// valuePos finds the file position of the character at offset (in runes) of a scalar's
// value. YAML may have changed the text on the way (quotes, escapes, block scalars whose
// text starts on the next line, folded lines), so the value is walked against the file's
// text, skipping what YAML removed. When they cannot be matched the node's own position is
// the answer: approximate, never wrong about the line the value starts on.
func (s *source) valuePos(n *yaml.Node, offset int) (line, col int) {
	value := []rune(n.Value)
	if offset > len(value) {
		offset = len(value)
	}
	ln, c := n.Line, n.Column // 1-based; c counts runes
	runes := []rune(s.line(ln))
	next := func() (rune, bool) { // advance one rune in the file, across line ends
		if c-1 < len(runes) {
			c++
			return runes[c-2], true
		}
		if ln >= len(s.lines) {
			return 0, false
		}
		ln++
		c = 1
		runes = []rune(s.line(ln))
		return '\n', true
	}
	peek := func() (rune, bool) {
		if c-1 < len(runes) {
			return runes[c-1], true
		}
		if ln >= len(s.lines) {
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
func (s *source) exprError(n *yaml.Node, offset int, expected, format string, args ...any) {
	line, col := s.valuePos(n, offset)
	s.errorAt(line, col, expected, format, args...)
}

// didYouMean returns the candidate closest to word, when one is close enough to be a typo.
func didYouMean(word string, candidates []string) string {
	best, bestDist := "", 3
	if utf8.RuneCountInString(word) <= 3 {
		bestDist = 2
	}
	for _, c := range candidates {
		if d := editDistance(strings.ToLower(word), strings.ToLower(c)); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
