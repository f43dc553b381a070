ALTER TABLE webhooks ADD COLUMN names_seq BIGINT NOT NULL DEFAULT 0
-- statement
ALTER TABLE webhooks ADD COLUMN retired BIGINT NOT NULL DEFAULT 0
-- statement
UPDATE webhooks SET retired = 1 WHERE disabled_reason LIKE 'disabled after its %'
