package sqlstore

import (
	"context"
	"fmt"

	"github.com/passthrough-dev/passthrough/adapters/erp"
)

// ExecutionFailedList reads a shop's failed runs by when they finished, on the (shop,
// finished_at) index.
func (st Statements) ExecutionFailedList(lp erp.ExecutionFailedListParams) Stmt {
	p := &params{d: st.d}
	q := "SELECT " + executionCols + " FROM " + st.name("pt_feed_executions") + " WHERE shop = " + p.add(st.text(lp.Shop)) +
		" AND finished_at > " + p.add(st.time(lp.Since)) + " AND finished_at <= " + p.add(st.time(lp.Until)) +
		" AND outcome = " + p.add(st.text(erp.OutcomeFailed)) + " ORDER BY finished_at, id"
	return Stmt{SQL: q + st.d.Limit(p.add(st.int64(int64(limit(lp.Limit, 50, 1000))))), Args: p.args}
}

// ExecutionFailedList lists a shop's failed runs by when they finished.
func (s *Store) ExecutionFailedList(ctx context.Context, p erp.ExecutionFailedListParams) ([]erp.Execution, error) {
	out, err := s.executions(ctx, s.st.ExecutionFailedList(p))
	if err != nil {
		return nil, fmt.Errorf("list failed executions: %w", err)
	}
	return out, nil
}
