CREATE TABLE _rh_indexes (
  name TEXT PRIMARY KEY,
  table_id TEXT NOT NULL,
  columns TEXT NOT NULL
)
