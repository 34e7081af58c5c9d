package erpsqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"strings"
)

// widened are the default staging columns migration 5 makes room for real data in, with
// their new length: the Shopify location name a mapping uses as the warehouse code ("Main
// Warehouse" did not fit in 10), SKUs as long as Shopify takes (255), names, addresses and
// e-mail addresses, long tracking URLs. Every dialect's migration 5 widens the same columns.
var widened = map[string]map[string]int{
	"s_orders": {
		"customer_email": 320, "bill_to_name": 255, "bill_to_address1": 255, "bill_to_address2": 255,
		"bill_to_city": 100, "bill_to_state": 100, "bill_to_country": 100,
		"ship_to_name": 255, "ship_to_address1": 255, "ship_to_address2": 255,
		"ship_to_city": 100, "ship_to_state": 100, "ship_to_country": 100, "ship_via": 100, "comment": 4000,
	},
	"s_order_details":          {"item_code": 255, "description": 1000, "warehouse_code": 100},
	"external_order_shipments": {"item_code": 255, "tracking_number": 255, "carrier": 100, "tracking_url": 2048},
	"product_qty_in_stock":     {"item_code": 255, "warehouse_code": 100},
}

// widenStagingColumns widens the default staging tables passthrough created: those whose
// CREATE statement is still the one migration 1 ran. A table the ERP brought (or changed
// since) keeps its shape, as does one another table's foreign key points at, since building
// it anew would delete the rows that key refers to. The table is built anew with the same
// columns in the same order, its rows copied, and its indexes and triggers made again.
func widenStagingColumns(ctx context.Context, tx *sql.Tx) error {
	src, err := fs.ReadFile(Migrations(), "00001_staging_tables.sql")
	if err != nil {
		return fmt.Errorf("read migration 1: %w", err)
	}
	created := createStatements(string(src))
	for _, table := range []string{"s_orders", "s_order_details", "external_order_shipments", "product_qty_in_stock"} {
		var stored string
		err := tx.QueryRowContext(ctx, "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?", table).Scan(&stored)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && squash(stored) != squash(created[table])) {
			continue
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", table, err)
		}
		var referenced int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_schema s, pragma_foreign_key_list(s.name) f
			WHERE s.type = 'table' AND f."table" = ?`, table).Scan(&referenced); err != nil {
			return fmt.Errorf("read the foreign keys to %s: %w", table, err)
		}
		if referenced > 0 {
			continue
		}
		if err := rebuild(ctx, tx, table, widen(stored, widened[table])); err != nil {
			return fmt.Errorf("widen %s: %w", table, err)
		}
	}
	return nil
}

var createTable = regexp.MustCompile(`(?s)CREATE TABLE IF NOT EXISTS (\w+) \(.*?\n\);`)

// createStatements are migration 1's CREATE TABLE statements by table, as SQLite stores
// them (without IF NOT EXISTS and the closing semicolon).
func createStatements(src string) map[string]string {
	out := map[string]string{}
	for _, m := range createTable.FindAllStringSubmatch(src, -1) {
		out[m[1]] = strings.TrimSuffix(strings.Replace(m[0], "IF NOT EXISTS ", "", 1), ";")
	}
	return out
}

// squash collapses white space, which the comparison ignores.
func squash(s string) string { return strings.Join(strings.Fields(s), " ") }

// widen is a CREATE TABLE statement with the columns' lengths changed.
func widen(create string, lengths map[string]int) string {
	for col, n := range lengths {
		re := regexp.MustCompile(`(?m)^(\s+` + col + `\s+VARCHAR\()\d+\)`)
		create = re.ReplaceAllString(create, fmt.Sprintf("${1}%d)", n))
	}
	return create
}

// rebuild makes table anew from create (same name and columns), as SQLite's documentation
// lays out for schema changes ALTER TABLE cannot make.
func rebuild(ctx context.Context, tx *sql.Tx, table, create string) error {
	rows, err := tx.QueryContext(ctx, "SELECT sql FROM sqlite_schema WHERE tbl_name = ? AND type IN ('index', 'trigger') AND sql IS NOT NULL", table)
	if err != nil {
		return err
	}
	var again []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return err
		}
		again = append(again, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	wide := table + "__pt_wide"
	steps := []string{
		strings.Replace(create, "CREATE TABLE "+table+" (", "CREATE TABLE "+wide+" (", 1),
		"INSERT INTO " + wide + " SELECT * FROM " + table,
		"DROP TABLE " + table,
		"ALTER TABLE " + wide + " RENAME TO " + table,
	}
	for _, s := range append(steps, again...) {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}
