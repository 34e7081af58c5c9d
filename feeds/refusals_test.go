package feeds

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/shopify"
)

func TestLevelsShopifyRefusedForOneReason(t *testing.T) {
	t.Parallel()
	stale := fmt.Errorf("set level: %w", shopify.ErrQuantityStale)
	refused := errors.New("quantity too large")
	tests := []struct {
		name string
		add  func(r *refusals)
		want []recordProblem
	}{
		{
			name: "up to three levels are each a problem of their own",
			add: func(r *refusals) {
				r.add(stale, "TS-001@Main")
				r.add(refused, "MUG-002@East")
				r.add(stale, "MUG-002@Main")
			},
			want: []recordProblem{
				{key: "TS-001@Main", sev: passthrough.SeverityRetry, msg: "Shopify's quantity changed while the pass ran (a sale or a count); the next run sends it again"},
				{key: "MUG-002@Main", sev: passthrough.SeverityRetry, msg: "Shopify's quantity changed while the pass ran (a sale or a count); the next run sends it again"},
				{key: "MUG-002@East", sev: passthrough.SeverityError, msg: "Shopify refused the level: quantity too large"},
			},
		},
		{
			name: "more than three are one problem that names the first three",
			add: func(r *refusals) {
				for _, k := range []string{"A@Main", "B@Main", "C@Main", "D@Main"} {
					r.add(refused, k)
				}
				r.add(stale, "E@East")
			},
			want: []recordProblem{
				{key: "levels", sev: passthrough.SeverityError, msg: "4 levels were not set (A@Main, B@Main, C@Main, …): Shopify refused the level: quantity too large"},
				{key: "E@East", sev: passthrough.SeverityRetry, msg: "Shopify's quantity changed while the pass ran (a sale or a count); the next run sends it again"},
			},
		},
		{
			name: "no refusal is no problem",
			add:  func(*refusals) {},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var r refusals
			tt.add(&r)
			require.Equal(t, tt.want, r.problems())
		})
	}
}
