package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/passthrough-dev/passthrough"
	"github.com/passthrough-dev/passthrough/adapters/erp"
)

// What each run cost of the store's Shopify API budget, kept on its execution
// (pt_feed_executions: rest_calls, graphql_points, budget_wait_ms, rate_limited).

// maxUsageListed bounds ExecutionUsageList.
const maxUsageListed = 20000

// usageSet is the SET clause that records a run's usage.
func (st Statements) usageSet(p *params, u passthrough.APIUsage) string {
	return ", rest_calls = " + p.add(st.int64(u.RESTCalls)) + ", graphql_points = " + p.add(st.int64(u.GraphQLPoints)) +
		", budget_wait_ms = " + p.add(st.int64(u.Wait.Milliseconds())) + ", rate_limited = " + p.add(st.int64(u.RateLimited))
}

// ExecutionUsageList reads what a shop's runs started since a time cost, oldest first.
func (st Statements) ExecutionUsageList(shop string, since time.Time) Stmt {
	p := &params{d: st.d}
	where := "shop = " + p.add(st.text(shop)) + " AND started_at >= " + p.add(st.time(since))
	return Stmt{SQL: "SELECT id, feed, started_at, rest_calls, graphql_points, budget_wait_ms, rate_limited FROM " + st.name("pt_feed_executions") +
		" WHERE " + where + " ORDER BY started_at, id" + st.d.Limit(p.add(st.int64(maxUsageListed))), Args: p.args}
}

// ExecutionUsageList reads what a shop's runs started since a time cost.
func (s *Store) ExecutionUsageList(ctx context.Context, shop string, since time.Time) ([]erp.RunUsage, error) {
	out, err := queryAll(ctx, s, "list run usage", s.st.ExecutionUsageList(shop, since), func(r *sql.Rows) (erp.RunUsage, error) {
		var u erp.RunUsage
		var started sql.NullTime
		var waitMS int64
		err := r.Scan(&u.ExecutionID, &u.Feed, &started, &u.Usage.RESTCalls, &u.Usage.GraphQLPoints, &waitMS, &u.Usage.RateLimited)
		u.StartedAt, u.Usage.Wait = timeOf(started), time.Duration(waitMS)*time.Millisecond
		return u, err
	})
	if err != nil {
		return nil, fmt.Errorf("list run usage of %s: %w", shop, err)
	}
	return out, nil
}
