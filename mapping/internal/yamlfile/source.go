package yamlfile

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Source is one file's text, kept to place problems and to print their lines. Problems
// go to Diags, which the files of one load share.
type Source struct {
	Name  string
	Lines []string
	Diags *Diagnostics
	text  []byte
}

// NewSource keeps a file's text for placing the problems found in it.
func NewSource(name string, text []byte, diags *Diagnostics) *Source {
	s := strings.ReplaceAll(string(text), "\r\n", "\n")
	return &Source{Name: name, Lines: strings.Split(s, "\n"), Diags: diags, text: text}
}

// Line is the text of line n (1-based), or "" past the file's ends.
func (s *Source) Line(n int) string {
	if n < 1 || n > len(s.Lines) {
		return ""
	}
	return s.Lines[n-1]
}

// DiagAt builds a problem at a line and column of the file.
func (s *Source) DiagAt(line, col int, expected, format string, args ...any) Diagnostic {
	return Diagnostic{File: s.Name, Line: line, Column: col, Source: s.Line(line),
		Message: fmt.Sprintf(format, args...), Expected: expected}
}

// DiagNode builds a problem at the start of a YAML node (a key, a value), or about the
// whole file when n is nil.
func (s *Source) DiagNode(n *yaml.Node, expected, format string, args ...any) Diagnostic {
	if n == nil {
		return Diagnostic{File: s.Name, Message: fmt.Sprintf(format, args...), Expected: expected}
	}
	return s.DiagAt(n.Line, n.Column, expected, format, args...)
}

// ErrorAt records a problem at a line and column of the file.
func (s *Source) ErrorAt(line, col int, expected, format string, args ...any) {
	s.Diags.Add(s.DiagAt(line, col, expected, format, args...))
}

// Errorf records a problem at the start of a YAML node, or about the whole file when n is
// nil.
func (s *Source) Errorf(n *yaml.Node, expected, format string, args ...any) {
	s.Diags.Add(s.DiagNode(n, expected, format, args...))
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// Parse reads the file into its top-level block of key: value pairs, reporting syntax
// errors where the YAML library says they are, or rather where they really are: it often
// names the line of the enclosing block. It returns nil when the file is not such a block.
func (s *Source) Parse() *yaml.Node {
	var doc yaml.Node
	if err := yaml.Unmarshal(s.text, &doc); err != nil {
		line, msg := yamlError(err)
		if line == 0 {
			s.Errorf(nil, yamlHint, "%s", msg)
			return nil
		}
		line = max(line, firstFailingLine(s.Lines, line, msg))
		if q, ok := unclosedQuote(s.Lines, line); ok {
			// YAML trips where a quote left open ends, well after the mistake: point at
			// the quote.
			exp := fmt.Sprintf("a closing %c before the end of line %d", q.quote, q.line)
			if q.closedAt == 0 {
				s.ErrorAt(q.line, q.col, exp, "this quote is never closed: YAML read on to the end of the file (%s)", msg)
			} else {
				s.ErrorAt(q.line, q.col, exp, "this quote is not closed on its line: YAML read on to the next %c, on line %d, and stopped there (%s)",
					q.quote, q.closedAt, msg)
			}
			return nil
		}
		text := s.Line(line)
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
		s.ErrorAt(line, col, hint, "%s", msg)
		return nil
	}
	if len(doc.Content) == 0 {
		s.Errorf(nil, "the blocks of a mapping file, see mappings/README.md", "the file is empty")
		return nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		s.Errorf(root, "blocks such as defaults:, lookups:, when:", "a mapping file is a set of blocks, not %s", NodeKind(root))
		return nil
	}
	s.duplicateKeys(root)
	return root
}

// duplicateKeys reports a key written twice in one block. The YAML library keeps both
// pairs in its node tree (it complains only when decoding into a map), and a reader
// would silently use one of them: a column mapped twice is a mistake to point at.
func (s *Source) duplicateKeys(n *yaml.Node) {
	if n.Kind == yaml.MappingNode {
		seen := map[string]*yaml.Node{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				continue
			}
			if first, ok := seen[k.Value]; ok {
				s.Errorf(k, "each key once in a block", "%s appears twice in this block (first on line %d)", k.Value, first.Line)
				continue
			}
			seen[k.Value] = k
		}
	}
	for _, c := range n.Content {
		s.duplicateKeys(c)
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

// NodeKind names what a YAML node is, as a person writing the file thinks of it.
func NodeKind(n *yaml.Node) string {
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

// Field is one key: value pair of a YAML block.
type Field struct {
	Key *yaml.Node
	Val *yaml.Node
}

// Fields reads the pairs of a block, reporting keys that are not allowed (with a
// did-you-mean) and, for required keys, their absence at the block's key. It returns nil
// when f's value is not a block.
func (s *Source) Fields(f Field, where string, allowed, required []string) map[string]Field {
	n := f.Val
	out := map[string]Field{}
	if n.Kind != yaml.MappingNode {
		s.Errorf(n, "a block of key: value pairs: "+QuoteList(allowed), "%s must be a block, not %s", where, NodeKind(n))
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !slices.Contains(allowed, k.Value) {
			exp := "one of " + QuoteList(allowed)
			if m := DidYouMean(k.Value, allowed); m != "" {
				exp = "did you mean " + m + "?"
			}
			s.Errorf(k, exp, "unknown field %q in %s", k.Value, where)
			continue
		}
		out[k.Value] = Field{Key: k, Val: v}
	}
	at := f.Key // a missing field is reported at the block's name (header:)
	if at == nil {
		at = n
	}
	for _, r := range required {
		if _, ok := out[r]; !ok {
			s.Errorf(at, r+": …", "%s has no %s", where, r)
		}
	}
	return out
}

// Scalar reads a single text value.
func (s *Source) Scalar(n *yaml.Node, what string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		s.Errorf(n, "a single value", "%s must be a single value, not %s", what, NodeKind(n))
		return "", false
	}
	return n.Value, true
}

// QuoteList renders names for a hint: a, b or c.
func QuoteList(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// DidYouMean returns the candidate closest to word, when one is close enough to be a typo.
func DidYouMean(word string, candidates []string) string {
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
