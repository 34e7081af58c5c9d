package erpsqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// Migration 9 adds what the operator's portal (issue 15) keeps: problem classes (the
// problems of a feed with the same severity and message template, counted and dated) and
// each record's open problem until it is resolved, by a person with a reason or by the record
// going through; the audit log of every action people take in the portal; the words an order
// is searched by (its customer's name and its lines' SKUs, folded to lower case without
// accents); and the fulfillments the shipments feed created, so a shipment shows what it
// became. Two indexes on the ERP's tables serve the portal's lookups: an order's shipments,
// and an order by the ERP's order number — only where s_orders has that column, which SQLite
// cannot ask in SQL.
var operatorTables = []string{
	`ALTER TABLE pt_problems ADD COLUMN class_id BIGINT NULL`,
	`CREATE TABLE pt_problem_classes (
    id                 INTEGER PRIMARY KEY,
    shop               VARCHAR(100) NOT NULL,
    feed               VARCHAR(50) NOT NULL,
    class_key          VARCHAR(64) NOT NULL,
    severity           VARCHAR(10) NOT NULL,
    template           TEXT NOT NULL DEFAULT '',
    first_seen_at      DATETIME NOT NULL,
    last_seen_at       DATETIME NOT NULL,
    occurrences        BIGINT NOT NULL DEFAULT 0,
    UNIQUE (shop, class_key)
)`,
	`CREATE INDEX pt_problem_classes_last ON pt_problem_classes (shop, last_seen_at)`,
	`CREATE INDEX pt_problem_classes_first ON pt_problem_classes (shop, first_seen_at)`,
	`CREATE TABLE pt_problem_records (
    shop               VARCHAR(100) NOT NULL,
    feed               VARCHAR(50) NOT NULL,
    record_key         VARCHAR(200) NOT NULL,
    class_id           BIGINT NOT NULL,
    severity           VARCHAR(10) NOT NULL,
    message            TEXT NOT NULL DEFAULT '',
    status             VARCHAR(10) NOT NULL,
    first_seen_at      DATETIME NOT NULL,
    last_seen_at       DATETIME NOT NULL,
    occurrences        INTEGER NOT NULL DEFAULT 0,
    execution_id       BIGINT NULL,
    resolved_at        DATETIME NULL,
    resolved_by        VARCHAR(100) NOT NULL DEFAULT '',
    resolution         TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (shop, feed, record_key)
) WITHOUT ROWID`,
	`CREATE INDEX pt_problem_records_class ON pt_problem_records (shop, class_id, status, last_seen_at, record_key)`,
	`CREATE INDEX pt_problem_records_feed ON pt_problem_records (shop, feed, status, last_seen_at)`,
	`CREATE TABLE pt_audit (
    id                 INTEGER PRIMARY KEY,
    shop               VARCHAR(100) NOT NULL DEFAULT '',
    acted_at           DATETIME NOT NULL,
    actor              VARCHAR(100) NOT NULL,
    action             VARCHAR(50) NOT NULL,
    target             VARCHAR(200) NOT NULL DEFAULT '',
    detail             TEXT NOT NULL DEFAULT ''
)`,
	`CREATE INDEX pt_audit_shop ON pt_audit (shop, id)`,
	`CREATE INDEX pt_audit_actor ON pt_audit (shop, actor, id)`,
	`CREATE TABLE pt_order_terms (
    shop               VARCHAR(100) NOT NULL,
    order_id           BIGINT NOT NULL,
    term               VARCHAR(100) NOT NULL,
    PRIMARY KEY (shop, order_id, term)
) WITHOUT ROWID`,
	`CREATE INDEX pt_order_terms_term ON pt_order_terms (shop, term, order_id)`,
	`CREATE TABLE pt_shipment_fulfillments (
    shop               VARCHAR(100) NOT NULL,
    shipment_id        VARCHAR(50) NOT NULL,
    fulfillment_id     BIGINT NOT NULL,
    name               VARCHAR(100) NOT NULL DEFAULT '',
    created_at         DATETIME NOT NULL,
    PRIMARY KEY (shop, shipment_id, fulfillment_id)
) WITHOUT ROWID`,
	`CREATE INDEX IF NOT EXISTS external_order_shipments_order ON external_order_shipments (shop, web_order_id)`,
}

// addOperatorTables is migration 9.
func addOperatorTables(ctx context.Context, tx *sql.Tx) error {
	var has int
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM pragma_table_info('s_orders') WHERE lower(name) = 'erp_order_no'").Scan(&has); err != nil {
		return fmt.Errorf("read the columns of s_orders: %w", err)
	}
	steps := operatorTables
	if has > 0 {
		steps = append(steps[:len(steps):len(steps)], `CREATE INDEX IF NOT EXISTS s_orders_erp_order_no ON s_orders (shop, erp_order_no)`)
	}
	for _, s := range steps {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

// dropOperatorTables undoes migration 9.
func dropOperatorTables(ctx context.Context, tx *sql.Tx) error {
	for _, s := range []string{
		"DROP INDEX IF EXISTS s_orders_erp_order_no",
		"DROP INDEX IF EXISTS external_order_shipments_order",
		"DROP TABLE pt_shipment_fulfillments",
		"DROP TABLE pt_order_terms",
		"DROP TABLE pt_audit",
		"DROP TABLE pt_problem_records",
		"DROP TABLE pt_problem_classes",
		"ALTER TABLE pt_problems DROP COLUMN class_id",
	} {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}
