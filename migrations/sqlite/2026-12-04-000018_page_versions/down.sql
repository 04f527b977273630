DROP TABLE vendor_page_versions;
