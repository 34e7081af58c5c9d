package yamlfile

import "strings"

// openQuote is a quoted value whose closing quote is not on the line it starts on.
type openQuote struct {
	line, col int  // where the opening quote is (1-based; col in characters)
	quote     rune // ' or "
	closedAt  int  // the line the next quote of its kind closes it on; 0 when none does
}

// unclosedQuote finds the quoted value YAML was still reading when it failed at line: one
// that opens on an earlier line and is closed (by the next quote of its kind, wherever that
// is) on the failing line or the line before it, or never. A person almost never means a
// quoted value to run over several lines in a mapping file; what happened is that a closing
// quote is missing, and YAML read on until some other quote, where it tripped. The mistake
// is where the quote opened, not where YAML noticed.
func unclosedQuote(lines []string, failed int) (openQuote, bool) {
	var open *openQuote
	block := -1 // the indentation a block scalar's text is deeper than; -1 outside one
	for i, text := range lines {
		n := i + 1
		if n > failed+1 {
			break
		}
		if open != nil {
			if j := closingQuote(text, 0, open.quote); j >= 0 {
				open.closedAt = n
				if n == failed || n+1 == failed {
					return *open, true
				}
				open = nil
				// What follows the closing quote is not looked at: a line like this is
				// broken YAML anyway.
			}
			continue
		}
		indent := len(text) - len(strings.TrimLeft(text, " "))
		if block >= 0 {
			if strings.TrimSpace(text) == "" || indent > block {
				continue
			}
			block = -1
		}
		at, q := valueStart(text)
		if at < 0 {
			continue
		}
		if q == '|' || q == '>' {
			block = indent
			continue
		}
		if closingQuote(text, at+1, q) < 0 {
			open = &openQuote{line: n, col: len([]rune(text[:at])) + 1, quote: q}
		}
	}
	if open != nil && open.line < failed+1 {
		return *open, true // never closed: YAML ran into the end of the file
	}
	return openQuote{}, false
}

// valueStart finds where a line's value starts, when it starts with a quote (or is a block
// scalar, | or >): after "key: " or "- ". It answers the byte offset and the character
// there, or -1 for a line whose value is anything else (or that is a comment).
func valueStart(text string) (int, rune) {
	t := strings.TrimLeft(text, " ")
	if t == "" || t[0] == '#' {
		return -1, 0
	}
	at := len(text) - len(t)
	for strings.HasPrefix(t, "- ") { // a list item, possibly of a list item
		rest := strings.TrimLeft(t[2:], " ")
		at += len(t) - len(rest)
		t = rest
	}
	if t != "" && (t[0] == '"' || t[0] == '\'') {
		return at, rune(t[0])
	}
	k := strings.Index(t, ": ")
	if k < 0 || strings.ContainsAny(t[:k], `"'#`) {
		return -1, 0
	}
	v := strings.TrimLeft(t[k+2:], " ")
	if v == "" {
		return -1, 0
	}
	at += len(t) - len(v)
	switch v[0] {
	case '"', '\'':
		return at, rune(v[0])
	case '|', '>':
		return at, rune(v[0])
	}
	return -1, 0
}

// closingQuote finds the quote that closes a value quoted with q in text, looking from byte
// from on: in "…" a backslash escapes the next character, in '…' a doubled quote is a quote.
// It answers -1 when the line has none.
func closingQuote(text string, from int, q rune) int {
	for i := from; i < len(text); i++ {
		switch {
		case q == '"' && text[i] == '\\':
			i++
		case text[i] == byte(q):
			if q == '\'' && i+1 < len(text) && text[i+1] == '\'' {
				i++
				continue
			}
			return i
		}
	}
	return -1
}
