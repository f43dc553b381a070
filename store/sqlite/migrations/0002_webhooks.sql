CREATE TABLE webhooks (
  id TEXT PRIMARY KEY,
  doc_id TEXT NOT NULL REFERENCES docs(id) ON DELETE CASCADE,
  ord INTEGER NOT NULL,
  table_id TEXT NOT NULL,
  url TEXT NOT NULL,
  event_types TEXT NOT NULL,
  watched_col_ids TEXT NOT NULL DEFAULT '[]',
  is_ready_column TEXT NOT NULL DEFAULT '',
  enabled INTEGER NOT NULL DEFAULT 1,
  name TEXT NOT NULL DEFAULT '',
  memo TEXT NOT NULL DEFAULT '',
  authorization_header TEXT NOT NULL DEFAULT '',
  secret TEXT NOT NULL,
  disabled_reason TEXT NOT NULL DEFAULT '',
  acked_seq INTEGER NOT NULL DEFAULT 0,
  next_pos INTEGER NOT NULL DEFAULT 1,
  failing_since INTEGER,
  last_success_at INTEGER,
  last_failure_at INTEGER,
  last_error TEXT NOT NULL DEFAULT '',
  last_http_status INTEGER,
  claimed_by TEXT NOT NULL DEFAULT '',
  claimed_until INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
)
-- statement
CREATE INDEX webhooks_doc ON webhooks(doc_id)
-- statement
CREATE TABLE webhook_deliveries (
  id TEXT PRIMARY KEY,
  webhook_id TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
  pos INTEGER NOT NULL,
  event TEXT NOT NULL,
  first_seq INTEGER NOT NULL,
  last_seq INTEGER NOT NULL,
  num_records INTEGER NOT NULL,
  body TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  round_attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  committed_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  delivered_at INTEGER,
  last_http_status INTEGER,
  last_error TEXT NOT NULL DEFAULT '',
  UNIQUE (webhook_id, pos)
)
-- statement
CREATE INDEX webhook_deliveries_queue ON webhook_deliveries(webhook_id, status, pos)
-- statement
CREATE TABLE webhook_attempts (
  delivery_id TEXT NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
  attempt INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  duration_ms INTEGER NOT NULL,
  http_status INTEGER,
  error TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (delivery_id, attempt)
)
