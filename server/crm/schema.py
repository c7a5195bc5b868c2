"""SQLite schema: fixed tables plus one table per entity module, created from the metadata.

Records: `crmentity` holds what every record has (global crmid sequence, module, owner, times,
deleted flag, label); `mod_<module>` holds the module's own columns, one row per record. Text
columns are NOT NULL DEFAULT '' so that an empty value is "" everywhere.
Document bytes are not in SQLite: they are files named by their SHA-256 in `<db>.files/store`.
"""

from __future__ import annotations

import json
import sqlite3

from server.crm.metadata import COMMON_FIELDS, MODULES, FieldDef, ModuleDef

SCHEMA_VERSION = 1

FIXED_DDL = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE profiles (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE profile_modules (
  profile_id INTEGER NOT NULL REFERENCES profiles(id), module TEXT NOT NULL,
  visible INTEGER NOT NULL, editable INTEGER NOT NULL, deletable INTEGER NOT NULL,
  PRIMARY KEY (profile_id, module));
CREATE TABLE profile_fields (
  profile_id INTEGER NOT NULL REFERENCES profiles(id), module TEXT NOT NULL, field TEXT NOT NULL,
  visible INTEGER NOT NULL, PRIMARY KEY (profile_id, module, field));
CREATE TABLE roles (
  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, parent_id INTEGER REFERENCES roles(id),
  profile_id INTEGER NOT NULL REFERENCES profiles(id));

-- users and groups share one id space so that an owner id alone says who owns a record
CREATE TABLE owners (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL CHECK (kind IN ('user', 'group')));
CREATE TABLE users (
  id INTEGER PRIMARY KEY REFERENCES owners(id),
  user_name TEXT NOT NULL UNIQUE COLLATE NOCASE,
  first_name TEXT NOT NULL DEFAULT '', last_name TEXT NOT NULL DEFAULT '',
  email1 TEXT NOT NULL DEFAULT '',
  password_hash TEXT NOT NULL, access_key TEXT NOT NULL UNIQUE,
  is_admin INTEGER NOT NULL DEFAULT 0, status TEXT NOT NULL DEFAULT 'Active',
  role_id INTEGER NOT NULL REFERENCES roles(id),
  language TEXT NOT NULL DEFAULT 'en_us', time_zone TEXT NOT NULL DEFAULT 'UTC',
  otp_secret TEXT, failed_logins INTEGER NOT NULL DEFAULT 0, locked INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0);
CREATE TABLE groups_ (
  id INTEGER PRIMARY KEY REFERENCES owners(id), groupname TEXT NOT NULL UNIQUE,
  description TEXT NOT NULL DEFAULT '');
CREATE TABLE group_members (
  group_id INTEGER NOT NULL REFERENCES groups_(id), user_id INTEGER NOT NULL REFERENCES users(id),
  PRIMARY KEY (group_id, user_id));

CREATE TABLE modules (
  name TEXT PRIMARY KEY, prefix INTEGER NOT NULL UNIQUE, kind TEXT NOT NULL,
  label_en TEXT NOT NULL, label_it TEXT NOT NULL, singular_en TEXT NOT NULL, singular_it TEXT NOT NULL,
  label_fields TEXT NOT NULL, search_fields TEXT NOT NULL,
  number_field TEXT, number_prefix TEXT NOT NULL DEFAULT '', number_next INTEGER NOT NULL DEFAULT 1,
  sharing TEXT NOT NULL CHECK (sharing IN ('public_ro', 'public_rw', 'private')),
  link_order INTEGER, is_custom INTEGER NOT NULL DEFAULT 0);
CREATE TABLE fields (
  module TEXT NOT NULL REFERENCES modules(name), name TEXT NOT NULL, sequence INTEGER NOT NULL,
  label_en TEXT NOT NULL, label_it TEXT NOT NULL, type TEXT NOT NULL,
  mandatory INTEGER NOT NULL, editable INTEGER NOT NULL, refers_to TEXT NOT NULL, picklist TEXT NOT NULL,
  PRIMARY KEY (module, name));

CREATE TABLE crmentity (
  crmid INTEGER PRIMARY KEY AUTOINCREMENT, setype TEXT NOT NULL, owner_id INTEGER NOT NULL,
  creator_id INTEGER NOT NULL, created_time TEXT NOT NULL, modified_time TEXT NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0, label TEXT NOT NULL DEFAULT '');
CREATE INDEX crmentity_module ON crmentity (setype, deleted);
CREATE INDEX crmentity_owner ON crmentity (owner_id, setype);

-- the Messages relation: which message is stored under which record, by whom, when
CREATE TABLE messages_rel (
  message_id INTEGER NOT NULL REFERENCES crmentity(crmid), crmid INTEGER NOT NULL REFERENCES crmentity(crmid),
  linked_by INTEGER NOT NULL REFERENCES users(id), linked_at TEXT NOT NULL,
  PRIMARY KEY (message_id, crmid));
CREATE INDEX messages_rel_record ON messages_rel (crmid);
-- the Documents relation (vtiger's senotesrel)
CREATE TABLE documents_rel (
  document_id INTEGER NOT NULL REFERENCES crmentity(crmid), crmid INTEGER NOT NULL REFERENCES crmentity(crmid),
  created_by INTEGER NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (document_id, crmid));
CREATE INDEX documents_rel_record ON documents_rel (crmid);
-- any other relation made through `relate`
CREATE TABLE crmentityrel (
  crmid INTEGER NOT NULL, relcrmid INTEGER NOT NULL, created_by INTEGER NOT NULL, created_at TEXT NOT NULL,
  PRIMARY KEY (crmid, relcrmid));

-- what the mail carried, exactly as received (the Messages module table has the searchable fields)
CREATE TABLE message_content (
  message_id INTEGER PRIMARY KEY REFERENCES crmentity(crmid),
  date_sent TEXT NOT NULL, from_json TEXT NOT NULL, to_json TEXT NOT NULL, cc_json TEXT NOT NULL,
  body_html TEXT NOT NULL, body_text TEXT NOT NULL, body_html_safe TEXT NOT NULL);
CREATE TABLE message_files (
  message_id INTEGER NOT NULL REFERENCES crmentity(crmid), document_id INTEGER NOT NULL REFERENCES crmentity(crmid),
  position INTEGER NOT NULL, kind TEXT NOT NULL CHECK (kind IN ('attachment', 'eml')),
  inline INTEGER NOT NULL DEFAULT 0, content_id TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (message_id, document_id));
-- thread memory (B.9): the Message-IDs a stored mail named in In-Reply-To and References
CREATE TABLE message_refs (
  message_id INTEGER NOT NULL REFERENCES crmentity(crmid), ref TEXT NOT NULL, PRIMARY KEY (message_id, ref));
CREATE INDEX message_refs_ref ON message_refs (ref);
-- B.12: a mail stored under a stand-in id (no Message-ID yet), found again by its content fingerprint
CREATE TABLE message_fingerprints (
  message_id INTEGER PRIMARY KEY REFERENCES crmentity(crmid), fingerprint TEXT NOT NULL);
CREATE INDEX message_fingerprints_value ON message_fingerprints (fingerprint);
-- B.12: the stand-in id a message had before its real Message-ID was learnt (lookups by it still find it)
CREATE TABLE message_aliases (
  messageid TEXT PRIMARY KEY, message_id INTEGER NOT NULL REFERENCES crmentity(crmid));
CREATE INDEX message_aliases_message ON message_aliases (message_id);
CREATE TABLE message_external_links (
  message_id INTEGER NOT NULL REFERENCES crmentity(crmid), position INTEGER NOT NULL,
  name TEXT NOT NULL, url TEXT NOT NULL, PRIMARY KEY (message_id, position));

CREATE TABLE uploads (
  id TEXT PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id), filename TEXT NOT NULL,
  content_type TEXT NOT NULL, size INTEGER NOT NULL, sha256 TEXT NOT NULL,
  received INTEGER NOT NULL DEFAULT 0, complete INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL, expires_at TEXT NOT NULL);

CREATE TABLE device_tokens (
  id INTEGER PRIMARY KEY AUTOINCREMENT, user_id INTEGER NOT NULL REFERENCES users(id),
  token_hash TEXT NOT NULL UNIQUE, device TEXT NOT NULL, created_at TEXT NOT NULL,
  last_used_at TEXT NOT NULL, expires_at TEXT, revoked_at TEXT);
CREATE INDEX device_tokens_user ON device_tokens (user_id);

CREATE TABLE web_sessions (
  token_hash TEXT PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id),
  created_at TEXT NOT NULL, expires_at TEXT NOT NULL);

CREATE TABLE licence (
  id INTEGER PRIMARY KEY CHECK (id = 1), installation TEXT NOT NULL, crm_url TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL CHECK (state IN ('active', 'inactive')), expires TEXT, seats INTEGER NOT NULL);
CREATE TABLE licence_users (
  user_id INTEGER PRIMARY KEY REFERENCES users(id), position INTEGER NOT NULL);
"""

# Extra indexes that keep lookups fast with 100 000 records in one module.
MODULE_INDEXES: dict[str, tuple[str, ...]] = {
    "Accounts": ("accountname COLLATE NOCASE", "email1 COLLATE NOCASE", "email2 COLLATE NOCASE"),
    "Contacts": ("lastname COLLATE NOCASE", "email COLLATE NOCASE", "secondaryemail COLLATE NOCASE",
                 "account_id"),
    "Leads": ("lastname COLLATE NOCASE", "email COLLATE NOCASE"),
    "Potentials": ("related_to",),
    "HelpDesk": ("parent_id", "contact_id"),
    "Projects": ("email COLLATE NOCASE", "linktoaccountscontacts"),
    "Documents": ("file_sha256",),
    "Messages": ("conversation_id",),
}


def module_table(module: str) -> str:
    return f"mod_{module.lower()}"


def column_ddl(fd: FieldDef) -> str:
    if fd.type == "reference":
        return f"{fd.name} INTEGER"
    if fd.type == "integer":
        return f"{fd.name} INTEGER NOT NULL DEFAULT 0"
    if fd.type == "currency":
        return f"{fd.name} REAL"
    if fd.type == "boolean":
        return f"{fd.name} INTEGER NOT NULL DEFAULT 0"
    return f"{fd.name} TEXT NOT NULL DEFAULT ''"


def module_ddl(mod: ModuleDef) -> list[str]:
    table = module_table(mod.name)
    cols = [column_ddl(fd) for fd in mod.fields]
    stmts = [f"CREATE TABLE {table} (crmid INTEGER PRIMARY KEY REFERENCES crmentity(crmid), {', '.join(cols)})"]
    if mod.number_field:
        stmts.append(f"CREATE UNIQUE INDEX {table}_no ON {table} ({mod.number_field})")
    if mod.name == "Messages":
        stmts.append(f"CREATE UNIQUE INDEX {table}_messageid ON {table} (messageid)")
    for i, expr in enumerate(MODULE_INDEXES.get(mod.name, ())):
        stmts.append(f"CREATE INDEX {table}_ix{i} ON {table} ({expr})")
    return stmts


# Tables added after the first release: created on start in databases made by an older version.
UPGRADE_DDL = """
CREATE TABLE IF NOT EXISTS message_refs (
  message_id INTEGER NOT NULL REFERENCES crmentity(crmid), ref TEXT NOT NULL, PRIMARY KEY (message_id, ref));
CREATE INDEX IF NOT EXISTS message_refs_ref ON message_refs (ref);
-- B.12: a mail stored under a stand-in id (no Message-ID yet), found again by its content fingerprint
CREATE TABLE IF NOT EXISTS message_fingerprints (
  message_id INTEGER PRIMARY KEY REFERENCES crmentity(crmid), fingerprint TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS message_fingerprints_value ON message_fingerprints (fingerprint);
-- B.12: the stand-in id a message had before its real Message-ID was learnt (lookups by it still find it)
CREATE TABLE IF NOT EXISTS message_aliases (
  messageid TEXT PRIMARY KEY, message_id INTEGER NOT NULL REFERENCES crmentity(crmid));
CREATE INDEX IF NOT EXISTS message_aliases_message ON message_aliases (message_id);
"""


def upgrade_schema(conn: sqlite3.Connection) -> None:
    """Bring an installed database up to this version (idempotent; inside the caller's transaction)."""
    from server.crm.search_index import ensure_search_indexes  # it builds on this module's tables

    for stmt in UPGRADE_DDL.split(";"):
        if stmt.strip():
            conn.execute(stmt)
    ensure_search_indexes(conn)


def create_schema(conn: sqlite3.Connection) -> None:
    """Create every table and register the module metadata. Runs inside the caller's transaction."""
    for stmt in FIXED_DDL.split(";"):
        if stmt.strip():
            conn.execute(stmt)
    for mod in MODULES:
        conn.execute(
            "INSERT INTO modules (name, prefix, kind, label_en, label_it, singular_en, singular_it,"
            " label_fields, search_fields, number_field, number_prefix, sharing, link_order, is_custom)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (mod.name, mod.prefix, mod.kind, mod.label_en, mod.label_it, mod.singular_en, mod.singular_it,
             ",".join(mod.label_fields), ",".join(mod.search_fields), mod.number_field, mod.number_prefix,
             mod.sharing, mod.link_order, int(mod.is_custom)),
        )
        all_fields = mod.fields + (COMMON_FIELDS if mod.kind == "entity" else ())
        for seq, fd in enumerate(all_fields):
            conn.execute(
                "INSERT INTO fields VALUES (?,?,?,?,?,?,?,?,?,?)",
                (mod.name, fd.name, seq, fd.label_en, fd.label_it, fd.type, int(fd.mandatory),
                 int(fd.editable), json.dumps(list(fd.refers_to)), json.dumps(list(fd.picklist))),
            )
        if mod.kind == "entity":
            for stmt in module_ddl(mod):
                conn.execute(stmt)
    conn.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
    from server.crm.search_index import ensure_search_indexes  # it builds on this module's tables

    ensure_search_indexes(conn)
