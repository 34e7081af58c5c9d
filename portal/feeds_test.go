package portal

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
	"github.com/passthrough-dev/passthrough/feeds"
)

// runFeed records a finished execution of feed in the store.
func runFeed(t *testing.T, st erp.Store, feed, outcome string, counts erp.ExecutionCounts) erp.Execution {
	t.Helper()
	ctx := context.Background()
	x, err := st.ExecutionStart(ctx, erp.ExecutionStartParams{Feed: feed, Shop: testShop, Trigger: "schedule"})
	require.NoError(t, err)
	if outcome != erp.OutcomeRunning {
		require.NoError(t, st.ExecutionFinish(ctx, erp.ExecutionFinishParams{ID: x.ID, Outcome: outcome, Counts: counts}))
	}
	x, err = st.ExecutionGet(ctx, x.ID)
	require.NoError(t, err)
	return x
}

func TestFeedsPage(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(d *Deps) { d.Stores[0].FeedModes = map[string]string{"inventory": "daily"} })
	next := f.clock.Now().Add(4 * time.Minute)
	f.feeds.StatusFunc = func() []feeds.TaskStatus {
		return []feeds.TaskStatus{
			{Shop: testShop, Name: "inventory", Feed: "inventory", Schedule: "every 5m0s", NextRun: next},
			{Shop: testShop, Name: "orders", Feed: "orders", Schedule: "every 5m0s", NextRun: next, Skipped: 2},
			{Shop: testShop, Name: "orders-daily", Feed: "orders", Schedule: "daily at 02:00"},
		}
	}
	first := runFeed(t, f.store, "orders", erp.OutcomeFinished, erp.ExecutionCounts{Seen: 12, Written: 10, Skipped: 1, Retry: 1})
	partial := runFeed(t, f.store, "orders", erp.OutcomeFinishedPartially, erp.ExecutionCounts{Seen: 5, Written: 4, Errors: 1})
	failed := runFeed(t, f.store, "inventory", erp.OutcomeFailed, erp.ExecutionCounts{})
	c := login(t, f.srv, "viewer")

	rec := c.get("/feeds")
	require.Equal(t, http.StatusOK, rec.Code)
	b := rec.Body.String()
	for _, want := range []string{
		`<tr data-task="orders">`, `<tr data-task="orders-daily">`, "daily at 02:00", "(2 skipped)",
		"<td>daily · test mode: records what it would send</td>", "<td>test</td>", // inventory's own mode; the store's mode for orders
		"in 4 min",
		fmt.Sprintf(`<a href="/feeds/executions/%d"><span class="badge warn">FINISHED_PARTIALLY</span></a>`, partial.ID),
		fmt.Sprintf(`<a href="/feeds/executions/%d"><span class="badge bad">FAILED</span></a>`, failed.ID),
		fmt.Sprintf(`<tr data-execution-id="%d">`, first.ID),
		`<td class="num">12</td><td class="num">10</td><td class="num">1</td>`,
	} {
		require.Contains(t, b, want)
	}
	require.NotContains(t, b, "Run now", "a viewer cannot run feeds")
	require.NotContains(t, b, `hx-trigger="every 2s"`, "nothing runs, so nothing polls")

	t.Run("the history filters by feed", func(t *testing.T) {
		b := c.get("/feeds?feed=inventory").Body.String()
		require.Contains(t, b, fmt.Sprintf(`<tr data-execution-id="%d">`, failed.ID))
		require.NotContains(t, b, fmt.Sprintf(`<tr data-execution-id="%d">`, first.ID))
	})

	t.Run("the page polls while a run is under way", func(t *testing.T) {
		running := runFeed(t, f.store, "orders", erp.OutcomeRunning, erp.ExecutionCounts{})
		b := c.get("/feeds").Body.String()
		require.Contains(t, b, `hx-trigger="every 2s"`)
		require.Contains(t, b, fmt.Sprintf(`<tr data-execution-id="%d">`, running.ID))
		require.NoError(t, f.store.ExecutionFinish(context.Background(), erp.ExecutionFinishParams{ID: running.ID, Outcome: erp.OutcomeFinished}))
	})

	t.Run("older runs are a page away", func(t *testing.T) {
		for range executionsPerPage {
			runFeed(t, f.store, "shipments", erp.OutcomeFinished, erp.ExecutionCounts{})
		}
		b := c.get("/feeds").Body.String()
		older := link(b, "older")
		require.NotEmpty(t, older)
		require.Contains(t, c.get(older).Body.String(), fmt.Sprintf(`<tr data-execution-id="%d">`, first.ID))
	})
}

func TestRunNow(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		err    error
		status int
		says   string
	}{
		{"starts the task and says so", nil, http.StatusSeeOther, "Started orders."},
		{"says a run is already under way instead of dropping the request",
			fmt.Errorf("orders: %w", feeds.ErrAlreadyRunning), http.StatusSeeOther, "orders is already running; nothing new was started."},
		{"says a failure was logged", errors.New("scheduler is shutting down"), http.StatusSeeOther, "Could not start orders; the reason has been logged."},
	} {
		t.Run("Run now "+tc.name, func(t *testing.T) {
			f := newFixture(t, nil)
			var asked []string
			f.feeds.RunNowFunc = func(_, name string) error { asked = append(asked, name); return tc.err }
			c := login(t, f.srv, "operator")
			c.get("/feeds")
			rec := c.submit("/feeds/orders/run", nil)
			require.Equal(t, tc.status, rec.Code)
			require.Equal(t, "/feeds", rec.Header().Get("Location"))
			require.Equal(t, []string{"orders"}, asked)
			require.Contains(t, c.get("/feeds").Body.String(), tc.says)
		})
	}

	t.Run("Run now of an unknown task is a 404", func(t *testing.T) {
		f := newFixture(t, nil)
		f.feeds.RunNowFunc = func(_, name string) error { return fmt.Errorf("%w: %s", feeds.ErrUnknownTask, name) }
		c := login(t, f.srv, "operator")
		require.Equal(t, http.StatusNotFound, c.submit("/feeds/nope/run", nil).Code)
	})

	t.Run("Run now from htmx answers with the feeds body, the message and polling", func(t *testing.T) {
		f := newFixture(t, nil)
		f.feeds.StatusFunc = func() []feeds.TaskStatus {
			return []feeds.TaskStatus{{Shop: testShop, Name: "orders", Feed: "orders", Schedule: "every 5m0s"}}
		}
		f.feeds.RunNowFunc = func(string, string) error { return fmt.Errorf("orders: %w", feeds.ErrAlreadyRunning) }
		c := login(t, f.srv, "operator")
		rec := c.submit("/feeds/orders/run", nil, "HX-Request", "true", "HX-Target", "feeds-body")
		require.Equal(t, http.StatusOK, rec.Code)
		b := rec.Body.String()
		require.NotContains(t, b, "<html")
		require.Contains(t, b, "orders is already running")
		require.Contains(t, b, `hx-trigger="every 2s"`)
		require.Contains(t, b, `data-run="orders"`)
		require.NotContains(t, c.get("/feeds").Body.String(), "already running", "the message was shown once")
	})

	t.Run("without a scheduler the page says so and Run now answers 503", func(t *testing.T) {
		f := newFixture(t, func(d *Deps) { d.Feeds = nil })
		c := login(t, f.srv, "operator")
		require.Contains(t, c.get("/feeds").Body.String(), "The scheduler is not set up")
		require.Equal(t, http.StatusServiceUnavailable, c.submit("/feeds/orders/run", nil).Code)
	})
}

func TestExecutionPage(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	x := runFeed(t, f.store, "orders", erp.OutcomeFinishedPartially, erp.ExecutionCounts{Seen: 3, Written: 1, Retry: 1, Errors: 1})
	ctx := context.Background()
	for i := range problemsPerPage + 3 {
		require.NoError(t, f.store.ProblemAdd(ctx, erp.Problem{ExecutionID: x.ID, Feed: "orders", Shop: testShop,
			RecordKey: fmt.Sprint(2000 + i), Severity: passthrough.SeverityError, Message: fmt.Sprintf("problem %d", i), At: f.clock.Now()}))
	}
	c := login(t, f.srv, "viewer")
	rec := c.get(fmt.Sprintf("/feeds/executions/%d", x.ID))
	require.Equal(t, http.StatusOK, rec.Code)
	b := rec.Body.String()
	require.Contains(t, b, fmt.Sprintf("Run %d of orders", x.ID))
	require.Contains(t, b, "3 seen · 1 written · 0 skipped · 1 to retry · 1 errors")
	require.Contains(t, b, `<a href="/orders/2102">2102</a>`)
	require.Contains(t, b, "problem 102")
	require.NotContains(t, b, "problem 2<", "the oldest problems are on the next page")
	more := regexpFind(b, `<a href="([^"]+)">More ›</a>`)
	require.Contains(t, c.get(more).Body.String(), "problem 0")

	require.Equal(t, http.StatusNotFound, c.get("/feeds/executions/999").Code)
	require.Equal(t, http.StatusNotFound, c.get("/feeds/executions/x").Code)
}
