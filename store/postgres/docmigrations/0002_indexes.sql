CREATE TABLE _rh_indexes (
  name TEXT COLLATE "C" PRIMARY KEY,
  table_id TEXT COLLATE "C" NOT NULL,
  columns TEXT NOT NULL
)
