package sqlite

// The database/sql driver of the same SQLite, for the tools that read or
// write a database file as a whole rather than serve it: migration between
// engines, PostgreSQL's snapshots into SQLite files, and tests.
import _ "github.com/ncruces/go-sqlite3/driver"

// DriverName is the database/sql driver name that opens SQLite files, with
// DSNs such as "file:/path/doc.db?mode=ro&_pragma=busy_timeout(10000)".
const DriverName = "sqlite3"
