DROP INDEX orders_by_buyer;
DROP INDEX orders_by_vendor_number;
