CREATE TABLE users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  email TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL DEFAULT '',
  password_hash TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
)
-- statement
CREATE TABLE orgs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  domain TEXT NOT NULL UNIQUE,
  owner_id INTEGER REFERENCES users(id),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
)
-- statement
CREATE TABLE workspaces (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  org_id INTEGER NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  max_inherited_role TEXT NOT NULL DEFAULT 'owners',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
)
-- statement
CREATE INDEX workspaces_org ON workspaces(org_id)
-- statement
CREATE TABLE docs (
  id TEXT PRIMARY KEY,
  workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  is_pinned INTEGER NOT NULL DEFAULT 0,
  url_id TEXT UNIQUE,
  max_inherited_role TEXT NOT NULL DEFAULT 'owners',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
)
-- statement
CREATE INDEX docs_workspace ON docs(workspace_id)
-- statement
CREATE TABLE acl (
  resource TEXT NOT NULL,
  resource_id TEXT NOT NULL,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role TEXT NOT NULL,
  PRIMARY KEY (resource, resource_id, user_id)
)
-- statement
CREATE INDEX acl_user ON acl(user_id)
-- statement
CREATE TABLE api_keys (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  prefix TEXT NOT NULL,
  hash BLOB NOT NULL UNIQUE,
  scopes TEXT NOT NULL DEFAULT '{}',
  expires_at INTEGER,
  last_used_at INTEGER,
  created_at INTEGER NOT NULL,
  UNIQUE (user_id, name)
)
