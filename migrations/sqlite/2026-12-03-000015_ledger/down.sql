DROP TABLE ledger_built;
DROP TABLE ledger_entries;
