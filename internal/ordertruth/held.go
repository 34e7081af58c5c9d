package ordertruth

import (
	"context"
	"database/sql"
	"fmt"
)

// Held reads what the ERP's staging tables hold, to compare with what should be staged:
// lines per order header, by Shopify order id. A header or a line there twice, or lines
// without their header, is an error: the duplicates a test is looking for.
func Held(ctx context.Context, db *sql.DB) (map[int64]int, error) {
	got := map[int64]int{}
	err := scan(ctx, db, `SELECT web_order_id, COUNT(*) FROM s_orders GROUP BY shop, web_order_id`, nil, func(id int64, n int) error {
		if n != 1 {
			return fmt.Errorf("order %d has %d headers", id, n)
		}
		got[id] = 0
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = scan(ctx, db, `SELECT web_order_id, COUNT(*) FROM s_order_details GROUP BY shop, web_order_id, line_no HAVING COUNT(*) > 1`, nil, func(id int64, n int) error {
		return fmt.Errorf("a line of order %d is there %d times", id, n)
	})
	if err != nil {
		return nil, err
	}
	err = scan(ctx, db, `SELECT web_order_id, COUNT(*) FROM s_order_details GROUP BY shop, web_order_id`, nil, func(id int64, n int) error {
		if _, ok := got[id]; !ok {
			return fmt.Errorf("order %d has lines but no header", id)
		}
		got[id] = n
		return nil
	})
	return got, err
}

// Counts reads a query of (id, count) rows into a map: the stagings per order from the
// ledger's history, the rows per refund of an order.
func Counts(ctx context.Context, db *sql.DB, query string, args ...any) (map[int64]int, error) {
	out := map[int64]int{}
	err := scan(ctx, db, query, args, func(id int64, n int) error {
		out[id] = n
		return nil
	})
	return out, err
}

// Stagings counts the times each order was staged, from the ledger's history.
func Stagings(ctx context.Context, db *sql.DB) (map[int64]int, error) {
	return Counts(ctx, db, `SELECT order_id, COUNT(*) FROM pt_ledger_events WHERE status = 'staged' GROUP BY order_id`)
}

func scan(ctx context.Context, db *sql.DB, query string, args []any, each func(id int64, n int) error) error {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return fmt.Errorf("scan: %w", err)
		}
		if err := each(id, n); err != nil {
			return err
		}
	}
	return rows.Err()
}
