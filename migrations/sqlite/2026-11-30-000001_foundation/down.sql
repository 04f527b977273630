DROP TABLE audit_log;
DROP TABLE notifications;
DROP TABLE sign_in_failures;
DROP TABLE accounts;
