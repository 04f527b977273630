ALTER TABLE notifications ADD COLUMN link TEXT NOT NULL DEFAULT '/notifications';
UPDATE notifications SET link = substr(about, 6) WHERE about LIKE 'page:%';
ALTER TABLE notifications DROP COLUMN about;
