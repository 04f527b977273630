-- What a vendor's pages show has a version, bumped in the transaction of
-- every change that concerns the vendor (an order, a refund, a product
-- decision: each event naming it, `db::effects::record`). A copy of a page
-- is good while the version it was read at is current, in every instance
-- on the database; the operators' views are good while the sum over
-- vendors is unchanged.
CREATE TABLE vendor_page_versions (
    vendor_id BIGINT PRIMARY KEY NOT NULL,
    version BIGINT NOT NULL
);
