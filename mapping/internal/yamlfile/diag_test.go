package yamlfile_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough/mapping/internal/yamlfile"
)

func TestADiagnosticShowsItsLineAndACaretUnderItsColumn(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		d    yamlfile.Diagnostic
		want string
	}{
		{"a problem at a column, with what was expected", yamlfile.Diagnostic{File: "orders.yaml", Line: 14, Column: 19,
			Message: "unknown name ordr", Expected: "did you mean order?", Source: "    order_number: ordr.name"},
			"orders.yaml:14:19: unknown name ordr\n 14 |     order_number: ordr.name\n    |                   ^\n    = expected: did you mean order?"},
		{"tabs before the column stay tabs, so the caret lines up", yamlfile.Diagnostic{File: "t.yaml", Line: 2, Column: 3,
			Message: "found a tab character", Source: "\t\tx: 1"},
			"t.yaml:2:3: found a tab character\n 2 | \t\tx: 1\n   | \t\t^"},
		{"a problem about the whole file has no line", yamlfile.Diagnostic{File: "t.yaml", Message: "the file is empty",
			Expected: "the blocks of a mapping file"},
			"t.yaml: the file is empty\n   = expected: the blocks of a mapping file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, tc.d.String())
		})
	}
}

func TestAFileThatIsNotValidYAMLIsPlacedWhereItBreaks(t *testing.T) {
	t.Parallel()
	diags := &yamlfile.Diagnostics{}
	src := yamlfile.NewSource("t.yaml", []byte("header:\n  columns:\n    x: a ? \"N\" : \"Y\"\n"), diags)
	require.Nil(t, src.Parse())
	require.Equal(t, `t.yaml:3:16: mapping values are not allowed in this context
 3 |     x: a ? "N" : "Y"
   |                ^
   = expected: an expression containing ": " quoted as a whole, e.g. 'a ? "N" : "Y"'`, diags.Error())
}

func TestFieldsSuggestsTheKeyATypoMeant(t *testing.T) {
	t.Parallel()
	diags := &yamlfile.Diagnostics{}
	src := yamlfile.NewSource("t.yaml", []byte("nmae: x\nfeed: orders\n"), diags)
	root := src.Parse()
	require.NotNil(t, root)
	f := src.Fields(yamlfile.Field{Val: root}, "a test", []string{"name", "feed", "expect"}, []string{"expect"})
	require.Contains(t, f, "feed")
	require.Equal(t, `t.yaml:1:1: unknown field "nmae" in a test
 1 | nmae: x
   | ^
   = expected: did you mean name?

t.yaml:1:1: a test has no expect
 1 | nmae: x
   | ^
   = expected: expect: …`, diags.Error())
}

func TestAQuoteLeftOpenIsPlacedWhereItOpens(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, src string
		want      string
	}{
		{"closed by a quote on the next line", "a:\n  x: \"NET30\n  y: \"b\" + c\n",
			"t.yaml:2:6: this quote is not closed on its line"},
		{"never closed", "a:\n  x: 'NET30\n  y: 1\n", "t.yaml:2:6: this quote is never closed"},
		{"in a list item", "a:\n  - \"one\n  - \"two\" + x\n", "t.yaml:2:5: this quote is not closed on its line"},
		{"a quote inside a block scalar is text, not a quote", "a: |\n  \"x\nb: c: d\n",
			"t.yaml:3:5: mapping values are not allowed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			diags := &yamlfile.Diagnostics{}
			require.Nil(t, yamlfile.NewSource("t.yaml", []byte(tc.src), diags).Parse())
			require.Len(t, diags.List, 1)
			require.Contains(t, diags.Error(), tc.want)
		})
	}
}
