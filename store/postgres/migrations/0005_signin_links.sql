CREATE TABLE signin_links (
  token_hash TEXT COLLATE "C" PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
)
-- statement
CREATE INDEX signin_links_user ON signin_links(user_id)
-- statement
CREATE INDEX signin_links_expires ON signin_links(expires_at)
-- statement
ALTER TABLE sessions ADD COLUMN from_link BIGINT NOT NULL DEFAULT 0
