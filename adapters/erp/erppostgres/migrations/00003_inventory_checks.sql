-- The stock check's drift report: the last check per shop, and the levels it found where
-- Shopify holds something other than what the ERP says it should. A check replaces the
-- shop's previous report whole, in one transaction.

-- +goose Up
CREATE TABLE pt_inventory_checks (
    shop               varchar(100) NOT NULL PRIMARY KEY,
    checked_at         timestamptz(3) NOT NULL,
    levels             integer NOT NULL DEFAULT 0,
    drifted            integer NOT NULL DEFAULT 0
);

CREATE TABLE pt_inventory_drift (
    shop               varchar(100) NOT NULL,
    inventory_item_id  bigint NOT NULL,
    location_id        bigint NOT NULL,
    sku                varchar(255) NOT NULL DEFAULT '',
    erp_available      bigint NOT NULL,
    shopify_available  bigint NOT NULL,
    last_sent          bigint NULL,
    PRIMARY KEY (shop, inventory_item_id, location_id)
);

-- +goose Down
DROP TABLE pt_inventory_drift;
DROP TABLE pt_inventory_checks;
