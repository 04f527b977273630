-- A statement whose net comes to less than nothing (refunds of orders billed
-- in earlier months) pays nothing and is never marked paid: its deficit goes
-- into the vendor's next statement, which records it in carried_in_fen and is
-- pointed to by carried_into.
ALTER TABLE statements ADD COLUMN carried_in_fen BIGINT NOT NULL DEFAULT 0;
-- No REFERENCES: SQLite cannot drop a column that has one (down.sql), and the
-- only writer sets it to the statement it inserts in the same transaction.
ALTER TABLE statements ADD COLUMN carried_into BIGINT;
