ALTER TABLE sessions DROP COLUMN demo;
DROP TABLE demo_links;
