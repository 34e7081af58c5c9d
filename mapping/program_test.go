package mapping

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/expr-lang/expr/vm"
	"github.com/passthrough-dev/passthrough/record"
	"github.com/stretchr/testify/require"
)

// TestOneProgramPerRowGivesWhatEachColumnGives checks the speed-ups of rowProgram (one
// program per row, constants folded at load, repeated values computed once, cut done after
// the run) against the plain meaning: every column's own program, run alone. It does so for
// every order payload the repository has, as they come and made paid.
func TestOneProgramPerRowGivesWhatEachColumnGives(t *testing.T) {
	t.Parallel()
	set, err := LoadDir("../mappings")
	require.NoError(t, err)
	m := set.Orders
	m.balance = false // the older payload's figures do not add up; what is compared here is the program

	var orders []*record.Order
	for _, f := range []string{"order-1001-2026-07.json", "order-1001-older-api.json", "order-9999-go-shopify.json", "order-9999-webhook-sample.json"} {
		raw, err := os.ReadFile(filepath.Join("../mappings/tests/payloads", f))
		require.NoError(t, err)
		for _, paid := range []bool{false, true} {
			o, err := record.DecodeOrder(raw)
			require.NoError(t, err)
			if paid {
				o.FinancialStatus, o.Test, o.CancelledAt = "paid", false, nil
				for _, li := range o.LineItems {
					li.CurrentQuantity = max(li.CurrentQuantity, 1)
					if li.SKU == "" {
						li.SKU = "SKU-" + li.Title
					}
				}
			}
			orders = append(orders, o)
		}
	}
	alone := func(t *testing.T, p *rowProgram, env any) []any {
		values := make([]any, len(p.cols))
		for i, c := range p.cols {
			if c.x.isConst {
				values[i] = c.x.constVal
				continue
			}
			out, err := (&vm.VM{}).Run(c.x.prog, env)
			require.NoError(t, err, c.name)
			values[i], err = rowValue(out)
			require.NoError(t, err, c.name)
		}
		return values
	}
	for _, o := range orders {
		t.Run(o.Name+"/"+o.FinancialStatus, func(t *testing.T) {
			in := OrderInput{Shop: "acme", Order: o, Now: time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)}
			res, err := m.Map(in)
			if o.FinancialStatus != "paid" && o.FinancialStatus != "partially_refunded" {
				require.Error(t, err, "an order that is not paid is rejected (the mapping tests say how)")
				return
			}
			if err != nil && o.FinancialStatus == "partially_refunded" {
				return // rejected as the payload is: a test, or no line left (the mapping tests say how)
			}
			require.NoError(t, err)
			henv := &headerEnv{Shop: in.Shop, Order: o, Now: in.Now}
			require.Equal(t, jsonOf(t, alone(t, m.headerProg, henv)), jsonOf(t, res.HeaderRow.Values))
			kept := 0
			for _, li := range o.LineItems {
				lenv := &lineEnv{Shop: in.Shop, Order: o, Now: in.Now, Line: li, Index: kept}
				keep, err := (&vm.VM{}).Run(m.lineProg.filter.prog, lenv)
				require.NoError(t, err)
				if keep != true {
					continue
				}
				require.Equal(t, jsonOf(t, alone(t, m.lineProg, lenv)), jsonOf(t, res.LineRows[kept].Values))
				kept++
			}
			require.Len(t, res.LineRows, kept)
		})
	}
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

func TestHoistComputesRepeatedValuesOnce(t *testing.T) {
	t.Parallel()
	set, err := LoadDir("../mappings")
	require.NoError(t, err)
	// ship_to_* all read order.shipping_address ?? order.billing_address; the row program
	// computes it once (one _or call), and each line's discount once (two columns use it).
	require.Equal(t, 1, countCalls(set.Orders.headerProg.prog, "_or"))
	require.Equal(t, 2, countCalls(set.Orders.lineProg.prog, "_dsumf")) // discount and tax
	// cut around a whole column is done after the run: no cut call is left in the header.
	require.Equal(t, 0, countCalls(set.Orders.headerProg.prog, "cut"))
}

func countCalls(p *vm.Program, fn string) int {
	n := 0
	for _, line := range strings.Split(p.Disassemble(), "\n") {
		f := strings.Fields(line)
		if len(f) >= 4 && strings.HasPrefix(f[1], "OpCall") && f[len(f)-1] == fn {
			n++
		}
	}
	return n
}
