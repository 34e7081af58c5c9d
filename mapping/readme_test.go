package mapping

import (
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/expr-lang/expr/vm"
	"github.com/passthrough-dev/passthrough/mapping/internal/yamlfile"
	"github.com/passthrough-dev/passthrough/record"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// readmeExample is one row of the examples table in mappings/README.md:
// | `expression` | `result` | or | `expression` | error: `message` |
var readmeExample = regexp.MustCompile("^\\| `(.+)` \\| (error: )?`(.*)` \\|$")

// TestReadmeExamplesGiveWhatTheySay runs every example of mappings/README.md's Helpers
// section, so the documentation cannot drift from what the helpers do.
func TestReadmeExamplesGiveWhatTheySay(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../mappings/README.md")
	require.NoError(t, err)
	section := string(readme)
	section = section[strings.Index(section, "## Helpers"):]
	section = section[:strings.Index(section[3:], "\n## ")+3]

	c := shippedCompiler(t)
	order := readFixtureOrder(t, "../mappings/tests/payloads/order-1001-2026-07.json")
	env := &lineEnv{Shop: "acme", Order: order, Line: order.LineItems[0], Now: time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC),
		TimeZone: "America/New_York"}

	n := 0
	for _, line := range strings.Split(section, "\n") {
		m := readmeExample.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil || m[1] == "Example" {
			continue
		}
		n++
		src, wantErr, want := strings.ReplaceAll(m[1], `\|`, "|"), m[2] != "", m[3]
		t.Run(src, func(t *testing.T) {
			t.Parallel()
			got, err := c.eval(t, src, env)
			if wantErr {
				require.Error(t, err)
				var fe *failError
				if errors.As(err, &fe) {
					require.Equal(t, want, fe.msg)
				} else {
					require.Contains(t, err.Error(), want)
				}
				return
			}
			require.NoError(t, err)
			expected, err := c.eval(t, want, env)
			require.NoError(t, err, "the README's result %s is not an expression", want)
			requireSameValue(t, expected, got)
		})
	}
	require.GreaterOrEqual(t, n, 25, "the README's examples were not found")
}

// testCompiler compiles expressions against a mapping file's defaults and lookups.
type testCompiler struct{ *exprCompiler }

// shippedCompiler uses the defaults and lookups of the shipped orders.yaml.
func shippedCompiler(t *testing.T) testCompiler {
	t.Helper()
	text, err := os.ReadFile("../mappings/orders.yaml")
	require.NoError(t, err)
	var doc yaml.Node
	require.NoError(t, yaml.Unmarshal(text, &doc))
	diags := &Diagnostics{}
	src := yamlfile.NewSource("orders.yaml", text, diags)
	var defaults, lookups *yaml.Node
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		switch root.Content[i].Value {
		case "defaults":
			defaults = root.Content[i+1]
		case "lookups":
			lookups = root.Content[i+1]
		}
	}
	c := &exprCompiler{src: src, defaults: parseDefaults(src, defaults), lookups: parseLookups(src, lookups)}
	require.True(t, diags.Empty(), diags.Error())
	return testCompiler{c}
}

// eval compiles src as a column of a line and runs it once against env.
func (c testCompiler) eval(t *testing.T, src string, env any) (any, error) {
	t.Helper()
	diags := &Diagnostics{}
	own := *c.exprCompiler
	own.src = yamlfile.NewSource("example", []byte(src), diags)
	x := own.compile(&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: src, Line: 1, Column: 1}, env, wantValue)
	require.True(t, diags.Empty(), "%s", diags.Error())
	if x.isConst {
		return x.constVal, nil
	}
	out, err := (&vm.VM{MemoryBudget: memoryBudget}).Run(x.prog, env)
	if err != nil {
		return nil, err
	}
	return rowValue(out)
}

func readFixtureOrder(t *testing.T, path string) *record.Order {
	t.Helper()
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	o, err := record.DecodeOrder(raw)
	require.NoError(t, err)
	return o
}

// requireSameValue compares row values: decimals by value, times by instant.
func requireSameValue(t *testing.T, want, got any) {
	t.Helper()
	if w, ok := want.(int64); ok {
		if _, isDec := got.(decimal.Decimal); isDec {
			want = decimal.NewFromInt(w) // a whole amount, as in JPY
		}
	}
	if w, ok := want.(decimal.Decimal); ok {
		g, ok := got.(decimal.Decimal)
		require.True(t, ok, "want decimal %s, got %T %v", w, got, got)
		require.True(t, w.Equal(g), "want %s, got %s", w, g)
		require.Equal(t, formatDecimal(w), formatDecimal(g), "same value, but not the same scale")
		return
	}
	require.Equal(t, want, got)
}
