CREATE TABLE signin_links (
  token_hash TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
)
-- statement
CREATE INDEX signin_links_user ON signin_links(user_id)
-- statement
CREATE INDEX signin_links_expires ON signin_links(expires_at)
-- statement
ALTER TABLE sessions ADD COLUMN from_link INTEGER NOT NULL DEFAULT 0
