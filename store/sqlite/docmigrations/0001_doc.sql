CREATE TABLE _rh_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
)
-- statement
INSERT INTO _rh_meta (key, value) VALUES ('schema_version', '1')
-- statement
CREATE TABLE _rh_tables (
  table_id TEXT PRIMARY KEY,
  position INTEGER NOT NULL,
  name_singular TEXT NOT NULL,
  name_plural TEXT NOT NULL
)
-- statement
CREATE TABLE _rh_columns (
  table_id TEXT NOT NULL,
  col_id TEXT NOT NULL,
  position INTEGER NOT NULL,
  type TEXT NOT NULL,
  label TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL DEFAULT '',
  widget_options TEXT NOT NULL DEFAULT '',
  is_unique INTEGER NOT NULL DEFAULT 0,
  reverse_col TEXT NOT NULL DEFAULT '',
  is_reverse INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (table_id, col_id)
)
-- statement
CREATE TABLE _rh_outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  actor_id INTEGER NOT NULL,
  action_num INTEGER NOT NULL,
  table_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  row_ids TEXT NOT NULL,
  columns TEXT NOT NULL,
  rows TEXT NOT NULL,
  before TEXT NOT NULL
)
-- statement
CREATE TABLE _rh_idempotency (
  user_id INTEGER NOT NULL,
  key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  response TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, key)
)
-- statement
CREATE TABLE _rh_attachments (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  file_name TEXT NOT NULL,
  file_size INTEGER NOT NULL,
  content_type TEXT NOT NULL,
  checksum TEXT NOT NULL,
  time_uploaded INTEGER NOT NULL,
  data BLOB NOT NULL
)
