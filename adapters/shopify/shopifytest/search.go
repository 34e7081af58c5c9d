package shopifytest

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Shopify's search syntax (shopify.dev/docs/api/usage/search-syntax), as the `query`
// argument of a connection takes it: terms separated by whitespace (AND implied), the
// connectives AND and OR, the modifiers - and NOT, parentheses, and name:value terms with
// the comparators : :< :> :<= :>=. Values may be quoted with single or double quotes; date
// values must be. A term on a field the resource does not search by, or with a value the
// field cannot take, is left out of the search and reported as a warning in
// extensions.search, as Shopify does, so a client that gets a filter wrong reads too much
// rather than silently nothing.

// searchExpr is a parsed search query; nil matches everything.
type searchExpr interface {
	match(v *variant) bool
}

type (
	searchAnd []searchExpr
	searchOr  []searchExpr
	searchNot struct{ e searchExpr }
	// searchTerm compares one field of a variant with a value.
	searchTerm struct {
		field, op, value string
		at               time.Time // date fields
		num              int64     // id fields
	}
	// searchAll matches everything: what an ignored term becomes.
	searchAll struct{}
)

func (a searchAnd) match(v *variant) bool {
	for _, e := range a {
		if !e.match(v) {
			return false
		}
	}
	return true
}

func (o searchOr) match(v *variant) bool {
	for _, e := range o {
		if e.match(v) {
			return true
		}
	}
	return false
}

func (n searchNot) match(v *variant) bool { return !n.e.match(v) }

func (searchAll) match(*variant) bool { return true }

func (t searchTerm) match(v *variant) bool {
	switch t.field {
	case "sku":
		return matchText(v.sku, t.value, true)
	case "title":
		return matchText(v.title, t.value, false)
	case "":
		return matchText(v.sku, t.value, false) || matchText(v.title, t.value, false) || matchText(v.productTitle, t.value, false)
	case "updated_at":
		return compare(v.updatedAt.Compare(t.at), t.op)
	case "created_at":
		return compare(v.createdAt.Compare(t.at), t.op)
	case "id":
		return compare(cmpInt64(v.id, t.num), t.op)
	case "product_id":
		return compare(cmpInt64(v.productID, t.num), t.op)
	}
	return true
}

// matchText compares case-insensitively: whole values for exact fields (a trailing * asks
// for a prefix), words anywhere for free text.
func matchText(have, want string, exact bool) bool {
	have, want = strings.ToLower(have), strings.ToLower(want)
	if prefix, ok := strings.CutSuffix(want, "*"); ok {
		return strings.HasPrefix(have, prefix)
	}
	if exact {
		return have == want
	}
	return strings.Contains(have, want)
}

func compare(c int, op string) bool {
	switch op {
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	case ">=":
		return c >= 0
	}
	return c == 0
}

// searchWarning is one entry of extensions.search[].warnings [unverified: the exact
// wording Shopify uses].
type searchWarning struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// variantSearchFields are the productVariants query fields the simulator evaluates, and
// their kinds.
var variantSearchFields = map[string]string{
	"sku": "text", "title": "text", "updated_at": "date", "created_at": "date", "id": "id", "product_id": "id",
}

// parseSearch parses a query string for productVariants.
func parseSearch(q string) (searchExpr, []searchWarning) {
	p := &searchParser{toks: tokenizeSearch(q)}
	if len(p.toks) == 0 {
		return nil, nil
	}
	e := p.or()
	if p.pos < len(p.toks) {
		p.warn("", fmt.Sprintf("Unexpected %q in the query; the rest is ignored.", p.toks[p.pos]))
	}
	return e, p.warnings
}

type searchParser struct {
	toks     []string
	pos      int
	warnings []searchWarning
}

func (p *searchParser) warn(field, msg string) {
	p.warnings = append(p.warnings, searchWarning{Field: field, Message: msg})
}

func (p *searchParser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

func (p *searchParser) or() searchExpr {
	parts := searchOr{p.and()}
	for p.peek() == "OR" {
		p.pos++
		parts = append(parts, p.and())
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return parts
}

func (p *searchParser) and() searchExpr {
	parts := searchAnd{p.unary()}
	for {
		switch p.peek() {
		case "", ")", "OR":
			if len(parts) == 1 {
				return parts[0]
			}
			return parts
		case "AND":
			p.pos++
		}
		parts = append(parts, p.unary())
	}
}

func (p *searchParser) unary() searchExpr {
	t := p.peek()
	switch {
	case t == "NOT":
		p.pos++
		return searchNot{p.unary()}
	case strings.HasPrefix(t, "-") && len(t) > 1:
		p.toks[p.pos] = t[1:]
		return searchNot{p.unary()}
	case t == "(":
		p.pos++
		e := p.or()
		if p.peek() == ")" {
			p.pos++
		} else {
			p.warn("", "Unbalanced parenthesis in the query.")
		}
		return e
	case t == "" || t == ")":
		return searchAll{}
	}
	p.pos++
	return p.term(t)
}

// term reads name:comparator value, or a bare value.
func (p *searchParser) term(t string) searchExpr {
	name, rest, ok := cutUnquoted(t, ':')
	if !ok {
		return searchTerm{value: unquote(t)}
	}
	kind, known := variantSearchFields[name]
	if !known {
		p.warn(name, "Invalid search field for this query.")
		return searchAll{}
	}
	op := "="
	for _, c := range []string{">=", "<=", ">", "<"} {
		if strings.HasPrefix(rest, c) {
			op, rest = c, rest[len(c):]
			break
		}
	}
	quoted := len(rest) >= 2 && (rest[0] == '\'' || rest[0] == '"') && rest[len(rest)-1] == rest[0]
	st := searchTerm{field: name, op: op, value: unquote(rest)}
	switch kind {
	case "date":
		at, err := parseSearchTime(st.value)
		if err != nil || (!quoted && strings.Contains(st.value, ":")) {
			p.warn(name, fmt.Sprintf("Invalid date %q: date values must be quoted ISO 8601 times.", rest))
			return searchAll{}
		}
		st.at = at
	case "id":
		n, err := strconv.ParseInt(st.value, 10, 64)
		if err != nil {
			p.warn(name, fmt.Sprintf("Invalid id %q.", rest))
			return searchAll{}
		}
		st.num = n
	case "text":
		if op != "=" {
			p.warn(name, fmt.Sprintf("The comparator %s does not apply to %s.", op, name))
			return searchAll{}
		}
	}
	return st
}

func parseSearchTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("not a time: %q", s)
}

// tokenizeSearch splits a query into parentheses and terms; quoted parts stay whole.
func tokenizeSearch(q string) []string {
	var toks []string
	var cur strings.Builder
	var quote byte
	flush := func() {
		if cur.Len() > 0 {
			toks = append(toks, cur.String())
			cur.Reset()
		}
	}
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case quote != 0:
			cur.WriteByte(c)
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
			cur.WriteByte(c)
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			flush()
		case c == '(' || c == ')':
			flush()
			toks = append(toks, string(c))
		default:
			cur.WriteByte(c)
		}
	}
	flush()
	return toks
}

// cutUnquoted cuts s at the first sep outside quotes.
func cutUnquoted(s string, sep byte) (before, after string, found bool) {
	var quote byte
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == sep:
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '\'' || s[0] == '"') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}
