-- The stock check's drift report: the last check per shop, and the levels it found where
-- Shopify holds something other than what the ERP says it should. A check replaces the
-- shop's previous report whole, in one transaction.

-- +goose Up
CREATE TABLE pt_inventory_checks (
    shop               VARCHAR(100) NOT NULL PRIMARY KEY,
    checked_at         DATETIME NOT NULL,
    levels             INTEGER NOT NULL DEFAULT 0,
    drifted            INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE pt_inventory_drift (
    shop               VARCHAR(100) NOT NULL,
    inventory_item_id  BIGINT NOT NULL,
    location_id        BIGINT NOT NULL,
    sku                VARCHAR(255) NOT NULL DEFAULT '',
    erp_available      BIGINT NOT NULL,
    shopify_available  BIGINT NOT NULL,
    last_sent          BIGINT NULL,
    PRIMARY KEY (shop, inventory_item_id, location_id)
) WITHOUT ROWID;

-- +goose Down
DROP TABLE pt_inventory_drift;
DROP TABLE pt_inventory_checks;
