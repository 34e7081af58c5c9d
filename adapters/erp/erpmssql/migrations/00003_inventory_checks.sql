-- The stock check's drift report: the last check per shop, and the levels it found where
-- Shopify holds something other than what the ERP says it should. A check replaces the
-- shop's previous report whole, in one transaction.

-- +goose Up
CREATE TABLE ${schema}.pt_inventory_checks (
    shop               nvarchar(100) NOT NULL,
    checked_at         datetime2(3) NOT NULL,
    levels             int NOT NULL DEFAULT 0,
    drifted            int NOT NULL DEFAULT 0,
    CONSTRAINT pk_pt_inventory_checks PRIMARY KEY (shop)
);

CREATE TABLE ${schema}.pt_inventory_drift (
    shop               nvarchar(100) NOT NULL,
    inventory_item_id  bigint NOT NULL,
    location_id        bigint NOT NULL,
    sku                nvarchar(255) NOT NULL DEFAULT N'',
    erp_available      bigint NOT NULL,
    shopify_available  bigint NOT NULL,
    last_sent          bigint NULL,
    CONSTRAINT pk_pt_inventory_drift PRIMARY KEY (shop, inventory_item_id, location_id)
);

-- +goose Down
DROP TABLE ${schema}.pt_inventory_drift;
DROP TABLE ${schema}.pt_inventory_checks;
