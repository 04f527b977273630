-- A notification keeps what it is about (`order:…`, `ticket:…`; see
-- `domain::notice::Subject::code`), not a page address: the page is the web
-- layer's to choose when the notice is opened. Notices from before keep
-- their address, as `page:/…`.
ALTER TABLE notifications ADD COLUMN about TEXT NOT NULL DEFAULT '';
UPDATE notifications SET about = 'page:' || link;
ALTER TABLE notifications DROP COLUMN link;
