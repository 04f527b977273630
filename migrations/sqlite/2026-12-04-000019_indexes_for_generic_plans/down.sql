DROP INDEX orders_by_buyer_product;
DROP INDEX orders_by_subscription;
CREATE INDEX orders_by_subscription ON orders (subscription_id);
