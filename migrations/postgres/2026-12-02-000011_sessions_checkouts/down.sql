DROP TABLE checkouts;
DROP TABLE sessions;
