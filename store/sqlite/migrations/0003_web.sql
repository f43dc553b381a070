CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  csrf_secret TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL
)
-- statement
CREATE INDEX sessions_user ON sessions(user_id)
-- statement
CREATE INDEX sessions_expires ON sessions(expires_at)
