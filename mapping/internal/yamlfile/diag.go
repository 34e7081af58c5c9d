// Package yamlfile reads the YAML files people write by hand — mapping files and mapping
// tests — and places every problem in them at a file, line and column, with the line's
// text and a caret, so a person fixes a file in one pass. The mapping engine and the
// mapping-test runner share it; mapping.Diagnostic and mapping.Diagnostics are its types
// under their public names.
package yamlfile

import (
	"fmt"
	"sort"
	"strings"
)

// Diagnostic is one problem in a file, placed where a person can find it.
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

// Diagnostics is every problem found in a set of files. Loading reports all of them at
// once, so a person fixes a file in one pass.
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

// Add records problems.
func (d *Diagnostics) Add(x ...Diagnostic) { d.List = append(d.List, x...) }

// Empty reports whether no problem has been found.
func (d *Diagnostics) Empty() bool { return d == nil || len(d.List) == 0 }

// Sort orders the problems by file and position.
func (d *Diagnostics) Sort() {
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
