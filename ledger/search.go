package ledger

import (
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// MaxTermLength is the longest search term the ledger keeps; longer words are cut.
const MaxTermLength = 100

// SearchTerms are the words the portal's search finds an entry by, besides its order name,
// email, Shopify id and ERP order number: each word of the customer's name and each SKU of
// its lines, in the form SearchTerm gives them, once each, sorted.
func SearchTerms(e Entry) []string {
	var out []string
	for _, w := range strings.Fields(e.CustomerName) {
		out = append(out, SearchTerm(w))
	}
	for _, sku := range e.SKUs {
		out = append(out, SearchTerm(sku))
	}
	out = slices.DeleteFunc(out, func(s string) bool { return s == "" })
	slices.Sort(out)
	return slices.Compact(out)
}

// SearchTerm is the form words are kept and searched in: lower case, without accents
// ("Müller", "MÜLLER" and "muller" are one term: letters decomposed, their combining marks
// dropped), at most MaxTermLength characters. Control characters and bytes that are not
// UTF-8 are dropped: Shopify passes them through in names and SKUs, nobody searches for
// them, and PostgreSQL refuses a NUL in text.
func SearchTerm(word string) string {
	word = strings.ToLower(strings.TrimSpace(strings.ToValidUTF8(word, "")))
	// A chain keeps state between calls, so each call makes its own.
	fold := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), runes.Remove(runes.In(unicode.Cc)), norm.NFC)
	folded, _, err := transform.String(fold, word)
	if err != nil {
		folded = word
	}
	if r := []rune(folded); len(r) > MaxTermLength {
		folded = string(r[:MaxTermLength])
	}
	return folded
}
