ALTER TABLE _rh_tables ADD COLUMN uuid TEXT NOT NULL DEFAULT ''
-- statement
ALTER TABLE _rh_tables ADD COLUMN label_singular TEXT NOT NULL DEFAULT ''
-- statement
ALTER TABLE _rh_tables ADD COLUMN label_plural TEXT NOT NULL DEFAULT ''
-- statement
ALTER TABLE _rh_tables ADD COLUMN description TEXT NOT NULL DEFAULT ''
-- statement
ALTER TABLE _rh_tables ADD COLUMN icon TEXT NOT NULL DEFAULT ''
-- statement
ALTER TABLE _rh_columns ADD COLUMN uuid TEXT NOT NULL DEFAULT ''
-- statement
ALTER TABLE _rh_columns ADD COLUMN icon TEXT NOT NULL DEFAULT ''
-- statement
UPDATE _rh_tables SET uuid = lower(hex(randomblob(16)))
-- statement
UPDATE _rh_columns SET uuid = lower(hex(randomblob(16)))
-- statement
UPDATE _rh_tables SET uuid = substr(uuid, 1, 8) || '-' || substr(uuid, 9, 4) || '-4' || substr(uuid, 14, 3) || '-' ||
 substr('89ab', 1 + (instr('0123456789abcdef', substr(uuid, 17, 1)) - 1) % 4, 1) || substr(uuid, 18, 3) || '-' || substr(uuid, 21, 12)
-- statement
UPDATE _rh_columns SET uuid = substr(uuid, 1, 8) || '-' || substr(uuid, 9, 4) || '-4' || substr(uuid, 14, 3) || '-' ||
 substr('89ab', 1 + (instr('0123456789abcdef', substr(uuid, 17, 1)) - 1) % 4, 1) || substr(uuid, 18, 3) || '-' || substr(uuid, 21, 12)
