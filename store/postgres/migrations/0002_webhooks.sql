CREATE TABLE webhooks (
  id TEXT COLLATE "C" PRIMARY KEY,
  doc_id TEXT COLLATE "C" NOT NULL REFERENCES docs(id) ON DELETE CASCADE,
  ord BIGINT NOT NULL,
  table_id TEXT COLLATE "C" NOT NULL,
  url TEXT COLLATE "C" NOT NULL,
  event_types TEXT COLLATE "C" NOT NULL,
  watched_col_ids TEXT COLLATE "C" NOT NULL DEFAULT '[]',
  is_ready_column TEXT COLLATE "C" NOT NULL DEFAULT '',
  enabled BIGINT NOT NULL DEFAULT 1,
  name TEXT COLLATE "C" NOT NULL DEFAULT '',
  memo TEXT COLLATE "C" NOT NULL DEFAULT '',
  authorization_header TEXT COLLATE "C" NOT NULL DEFAULT '',
  secret TEXT COLLATE "C" NOT NULL,
  disabled_reason TEXT COLLATE "C" NOT NULL DEFAULT '',
  acked_seq BIGINT NOT NULL DEFAULT 0,
  next_pos BIGINT NOT NULL DEFAULT 1,
  failing_since BIGINT,
  last_success_at BIGINT,
  last_failure_at BIGINT,
  last_error TEXT COLLATE "C" NOT NULL DEFAULT '',
  last_http_status BIGINT,
  claimed_by TEXT COLLATE "C" NOT NULL DEFAULT '',
  claimed_until BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
)
-- statement
CREATE INDEX webhooks_doc ON webhooks(doc_id)
-- statement
CREATE TABLE webhook_deliveries (
  id TEXT COLLATE "C" PRIMARY KEY,
  webhook_id TEXT COLLATE "C" NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
  pos BIGINT NOT NULL,
  event TEXT COLLATE "C" NOT NULL,
  first_seq BIGINT NOT NULL,
  last_seq BIGINT NOT NULL,
  num_records BIGINT NOT NULL,
  body TEXT COLLATE "C" NOT NULL,
  status TEXT COLLATE "C" NOT NULL,
  attempts BIGINT NOT NULL DEFAULT 0,
  round_attempts BIGINT NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  committed_at BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  delivered_at BIGINT,
  last_http_status BIGINT,
  last_error TEXT COLLATE "C" NOT NULL DEFAULT '',
  UNIQUE (webhook_id, pos)
)
-- statement
CREATE INDEX webhook_deliveries_queue ON webhook_deliveries(webhook_id, status, pos)
-- statement
CREATE TABLE webhook_attempts (
  delivery_id TEXT COLLATE "C" NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
  attempt BIGINT NOT NULL,
  started_at BIGINT NOT NULL,
  duration_ms BIGINT NOT NULL,
  http_status BIGINT,
  error TEXT COLLATE "C" NOT NULL DEFAULT '',
  PRIMARY KEY (delivery_id, attempt)
)
