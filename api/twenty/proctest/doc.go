// Package proctest holds process-level tests of Rowhouse's Twenty
// metadata API, Twenty-format webhooks and the crm template: they build
// the real binary, start it on SQLite and (when ROWHOUSE_TEST_POSTGRES is
// set) on PostgreSQL, and replay Twenty's documented requests against it.
// It has no code of its own.
package proctest
