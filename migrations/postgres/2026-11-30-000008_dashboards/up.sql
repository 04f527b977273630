-- The operator's dashboard counts open tickets by state and finds the oldest.
CREATE INDEX tickets_by_state ON tickets (state, state_since);
