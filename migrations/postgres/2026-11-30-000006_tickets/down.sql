DROP TABLE ticket_events;
DROP TABLE tickets;
