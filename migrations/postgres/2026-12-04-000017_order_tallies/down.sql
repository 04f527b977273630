DROP TABLE vendor_order_tallies;
