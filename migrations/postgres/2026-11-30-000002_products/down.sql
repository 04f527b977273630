DROP TABLE delist_requests;
DROP TABLE product_events;
DROP TABLE plans;
DROP TABLE revisions;
DROP TABLE products;
DROP TABLE logos;
