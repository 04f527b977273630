DROP TABLE hourly_running;
DROP TABLE running_hourly;
DROP TABLE ledger_built;
DROP TABLE ledger_entries;
