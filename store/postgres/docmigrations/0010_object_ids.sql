ALTER TABLE _rh_tables ADD COLUMN uuid TEXT COLLATE "C" NOT NULL DEFAULT ''
-- statement
ALTER TABLE _rh_tables ADD COLUMN label_singular TEXT NOT NULL DEFAULT ''
-- statement
ALTER TABLE _rh_tables ADD COLUMN label_plural TEXT NOT NULL DEFAULT ''
-- statement
ALTER TABLE _rh_tables ADD COLUMN description TEXT NOT NULL DEFAULT ''
-- statement
ALTER TABLE _rh_tables ADD COLUMN icon TEXT NOT NULL DEFAULT ''
-- statement
ALTER TABLE _rh_columns ADD COLUMN uuid TEXT COLLATE "C" NOT NULL DEFAULT ''
-- statement
ALTER TABLE _rh_columns ADD COLUMN icon TEXT NOT NULL DEFAULT ''
-- statement
UPDATE _rh_tables SET uuid = gen_random_uuid()::text
-- statement
UPDATE _rh_columns SET uuid = gen_random_uuid()::text
