-- What the operator's portal (issue 15) keeps: problem classes (the problems of a feed with
-- the same severity and message template, counted and dated) and each record's open problem
-- until it is resolved, by a person with a reason or by the record going through; the audit
-- log of every action people take in the portal; the words an order is searched by (its
-- customer's name and its lines' SKUs, folded to lower case without accents, compared in
-- code-point order); and the fulfillments the shipments feed created, so a shipment shows
-- what it became. Two indexes on the ERP's tables serve the portal's lookups: an order's
-- shipments, and an order by the ERP's order number (only where the header table has that
-- column); each is created only when missing.

-- +goose Up
ALTER TABLE ${schema}.pt_problems ADD class_id bigint NULL;

CREATE TABLE ${schema}.pt_problem_classes (
    id                 bigint IDENTITY(1,1) NOT NULL PRIMARY KEY,
    shop               nvarchar(100) NOT NULL,
    feed               nvarchar(50) NOT NULL,
    class_key          nvarchar(64) NOT NULL,
    severity           nvarchar(10) NOT NULL,
    template           nvarchar(1000) NOT NULL DEFAULT N'',
    first_seen_at      datetime2(3) NOT NULL,
    last_seen_at       datetime2(3) NOT NULL,
    occurrences        bigint NOT NULL DEFAULT 0,
    CONSTRAINT uq_pt_problem_classes_key UNIQUE (shop, class_key)
);
CREATE INDEX pt_problem_classes_last ON ${schema}.pt_problem_classes (shop, last_seen_at);
CREATE INDEX pt_problem_classes_first ON ${schema}.pt_problem_classes (shop, first_seen_at);

CREATE TABLE ${schema}.pt_problem_records (
    shop               nvarchar(100) NOT NULL,
    feed               nvarchar(50) NOT NULL,
    record_key         nvarchar(200) NOT NULL,
    class_id           bigint NOT NULL,
    severity           nvarchar(10) NOT NULL,
    message            nvarchar(max) NOT NULL DEFAULT N'',
    status             nvarchar(10) NOT NULL,
    first_seen_at      datetime2(3) NOT NULL,
    last_seen_at       datetime2(3) NOT NULL,
    occurrences        int NOT NULL DEFAULT 0,
    execution_id       bigint NULL,
    resolved_at        datetime2(3) NULL,
    resolved_by        nvarchar(100) NOT NULL DEFAULT N'',
    resolution         nvarchar(max) NOT NULL DEFAULT N'',
    CONSTRAINT pk_pt_problem_records PRIMARY KEY (shop, feed, record_key)
);
CREATE INDEX pt_problem_records_class ON ${schema}.pt_problem_records (shop, class_id, status, last_seen_at, record_key);
CREATE INDEX pt_problem_records_feed ON ${schema}.pt_problem_records (shop, feed, status, last_seen_at);

CREATE TABLE ${schema}.pt_audit (
    id                 bigint IDENTITY(1,1) NOT NULL PRIMARY KEY,
    shop               nvarchar(100) NOT NULL DEFAULT N'',
    acted_at           datetime2(3) NOT NULL,
    actor              nvarchar(100) NOT NULL,
    action             nvarchar(50) NOT NULL,
    target             nvarchar(200) NOT NULL DEFAULT N'',
    detail             nvarchar(2000) NOT NULL DEFAULT N''
);
CREATE INDEX pt_audit_shop ON ${schema}.pt_audit (shop, id);
CREATE INDEX pt_audit_actor ON ${schema}.pt_audit (shop, actor, id);

CREATE TABLE ${schema}.pt_order_terms (
    shop               nvarchar(100) NOT NULL,
    order_id           bigint NOT NULL,
    term               nvarchar(100) COLLATE Latin1_General_100_BIN2 NOT NULL,
    CONSTRAINT pk_pt_order_terms PRIMARY KEY (shop, order_id, term)
);
CREATE INDEX pt_order_terms_term ON ${schema}.pt_order_terms (shop, term, order_id);

CREATE TABLE ${schema}.pt_shipment_fulfillments (
    shop               nvarchar(100) NOT NULL,
    shipment_id        nvarchar(50) NOT NULL,
    fulfillment_id     bigint NOT NULL,
    name               nvarchar(100) NOT NULL DEFAULT N'',
    created_at         datetime2(3) NOT NULL,
    CONSTRAINT pk_pt_shipment_fulfillments PRIMARY KEY (shop, shipment_id, fulfillment_id)
);

-- +goose StatementBegin
IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'external_order_shipments_order' AND object_id = OBJECT_ID(N'${schema}.external_order_shipments'))
CREATE INDEX external_order_shipments_order ON ${schema}.external_order_shipments (shop, web_order_id);
-- +goose StatementEnd

-- +goose StatementBegin
-- (a column too wide for an index key, such as nvarchar(max), is left without one)
IF COL_LENGTH(N'${schema}.s_orders', N'erp_order_no') BETWEEN 1 AND 800
    AND NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N's_orders_erp_order_no' AND object_id = OBJECT_ID(N'${schema}.s_orders'))
CREATE INDEX s_orders_erp_order_no ON ${schema}.s_orders (shop, erp_order_no);
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
IF EXISTS (SELECT 1 FROM sys.indexes WHERE name = N's_orders_erp_order_no' AND object_id = OBJECT_ID(N'${schema}.s_orders'))
DROP INDEX s_orders_erp_order_no ON ${schema}.s_orders;
-- +goose StatementEnd
-- +goose StatementBegin
IF EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'external_order_shipments_order' AND object_id = OBJECT_ID(N'${schema}.external_order_shipments'))
DROP INDEX external_order_shipments_order ON ${schema}.external_order_shipments;
-- +goose StatementEnd
DROP TABLE ${schema}.pt_shipment_fulfillments;
DROP TABLE ${schema}.pt_order_terms;
DROP TABLE ${schema}.pt_audit;
DROP TABLE ${schema}.pt_problem_records;
DROP TABLE ${schema}.pt_problem_classes;
ALTER TABLE ${schema}.pt_problems DROP COLUMN class_id;
