DROP TABLE demo_accounts;
