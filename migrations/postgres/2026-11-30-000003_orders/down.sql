DROP TABLE orders;
DROP TABLE subscriptions;
