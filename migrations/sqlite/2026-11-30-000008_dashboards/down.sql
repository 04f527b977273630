DROP INDEX tickets_by_state;
