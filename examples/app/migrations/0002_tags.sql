-- Every note gets a tag; the ones written before this migration are "general".
ALTER TABLE notes ADD COLUMN tag TEXT NOT NULL DEFAULT 'general';
CREATE INDEX notes_by_tag ON notes (tag);
