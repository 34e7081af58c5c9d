package portal

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
)

func TestARunsPageSaysWhatItCostOfTheBudget(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	x := run(t, f, "inventory", f.clock.Now(), erp.OutcomeFinished)
	require.NoError(t, f.store.ExecutionFinish(t.Context(), erp.ExecutionFinishParams{ID: x.ID, At: f.clock.Now(), Outcome: erp.OutcomeFinished,
		Usage: passthrough.APIUsage{RESTCalls: 2, GraphQLPoints: 412, Wait: 2500 * time.Millisecond, RateLimited: 1}}))
	b := login(t, f.srv, "viewer").get(fmt.Sprintf("/feeds/executions/%d", x.ID)).Body.String()
	require.Contains(t, b, `<dd id="run-usage">2 REST requests · 412 GraphQL points · waited 2.5s for budget · 1 429 or THROTTLED`)
}
