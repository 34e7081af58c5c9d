package erpsqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// Migration 7 adds what issue 14 needs: orders fulfilled in Shopify before import say so on
// their header (fulfilled_in_shopify, added to an s_orders that lacks it — the ERP's own
// table may have it already, and SQLite has no IF to ask in SQL); refunds made after staging
// go to a staging table of their own, s_order_refunds (created only when missing, like every
// staging table), and passthrough records each refund it has dealt with, so that none reaches
// the ERP twice; the daily completeness check keeps its counts per shop-local day.

// fulfilledColumn is the column migration 7 adds, as it declares it.
const fulfilledColumn = "fulfilled_in_shopify BOOLEAN NOT NULL DEFAULT 0"

// refundTables are the tables migration 7 creates. pt_order_refunds's disposition is staged
// (its rows went to the refunds table) or absorbed (the order's staged lines already leave
// out what it refunded).
var refundTables = []string{`CREATE TABLE IF NOT EXISTS s_order_refunds (
    shop               VARCHAR(100) NOT NULL,
    refund_id          BIGINT NOT NULL,
    web_order_id       BIGINT NOT NULL,
    line_no            INTEGER NOT NULL,
    line_item_id       BIGINT NULL,
    item_code          VARCHAR(255) NULL,
    quantity           INTEGER NOT NULL DEFAULT 0,
    amount             DECIMAL_TEXT(18,4) NULL,
    tax_amount         DECIMAL_TEXT(18,4) NULL,
    restock_type       VARCHAR(20) NULL,
    reason             VARCHAR(255) NULL,
    created_at         DATETIME NULL,
    import_status      VARCHAR(20) NULL,
    import_error       VARCHAR(1000) NULL,
    PRIMARY KEY (shop, refund_id, line_no)
)`,
	`CREATE INDEX IF NOT EXISTS s_order_refunds_order ON s_order_refunds (shop, web_order_id)`,
	`CREATE TABLE pt_order_refunds (
    shop               VARCHAR(100) NOT NULL,
    refund_id          BIGINT NOT NULL,
    order_id           BIGINT NOT NULL,
    disposition        VARCHAR(10) NOT NULL,
    recorded_at        DATETIME NOT NULL,
    PRIMARY KEY (shop, refund_id)
) WITHOUT ROWID`,
	`CREATE INDEX pt_order_refunds_order ON pt_order_refunds (shop, order_id)`,
	`CREATE TABLE pt_completeness (
    shop               VARCHAR(100) NOT NULL,
    day                VARCHAR(10) NOT NULL,
    checked_at         DATETIME NOT NULL,
    shopify_orders     INTEGER NOT NULL DEFAULT 0,
    missing            INTEGER NOT NULL DEFAULT 0,
    late               INTEGER NOT NULL DEFAULT 0,
    imported           INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (shop, day)
) WITHOUT ROWID`,
}

// addRefundsAndCompleteness is migration 7.
func addRefundsAndCompleteness(ctx context.Context, tx *sql.Tx) error {
	var has int
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM pragma_table_info('s_orders') WHERE lower(name) = 'fulfilled_in_shopify'").Scan(&has); err != nil {
		return fmt.Errorf("read the columns of s_orders: %w", err)
	}
	steps := refundTables
	if has == 0 {
		steps = append([]string{"ALTER TABLE s_orders ADD COLUMN " + fulfilledColumn}, steps...)
	}
	for _, s := range steps {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

// dropRefundsAndCompleteness undoes migration 7: passthrough's two tables, and
// fulfilled_in_shopify when it is still as the migration added it (an ERP's own column of
// that name stays). s_order_refunds stays, as every staging table does.
func dropRefundsAndCompleteness(ctx context.Context, tx *sql.Tx) error {
	var ours int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM pragma_table_info('s_orders')
		WHERE name = 'fulfilled_in_shopify' AND type = 'BOOLEAN' AND "notnull" = 1 AND dflt_value = '0'`).Scan(&ours); err != nil {
		return fmt.Errorf("read the columns of s_orders: %w", err)
	}
	steps := []string{"DROP TABLE pt_completeness", "DROP TABLE pt_order_refunds"}
	if ours > 0 {
		steps = append(steps, "ALTER TABLE s_orders DROP COLUMN fulfilled_in_shopify")
	}
	for _, s := range steps {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}
