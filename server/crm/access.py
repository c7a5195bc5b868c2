"""What one user may see and change (protocol §C): modules, fields and records."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from server.crm.catalog import Catalog, FieldMeta, ModuleMeta
from server.crm.directory import display_name


@dataclass(frozen=True)
class User:
    id: int
    user_name: str
    first_name: str
    last_name: str
    email: str
    is_admin: bool
    status: str
    role_id: int
    language: str
    time_zone: str
    otp_secret: str | None
    failed_logins: int
    locked: bool

    @property
    def name(self) -> str:
        return display_name(self.first_name, self.last_name, self.user_name)

    @property
    def ws_id(self) -> str:
        return f"19x{self.id}"

    @property
    def active(self) -> bool:
        return self.status == "Active"

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> User:
        return cls(row["id"], row["user_name"], row["first_name"], row["last_name"], row["email1"],
                   bool(row["is_admin"]), row["status"], row["role_id"], row["language"], row["time_zone"],
                   row["otp_secret"], row["failed_logins"], bool(row["locked"]))


def find_user(conn: sqlite3.Connection, username: str) -> User | None:
    row = conn.execute("SELECT * FROM users WHERE user_name = ? AND deleted = 0", (username,)).fetchone()
    return User.from_row(row) if row else None


def get_user(conn: sqlite3.Connection, uid: int) -> User | None:
    row = conn.execute("SELECT * FROM users WHERE id = ? AND deleted = 0", (uid,)).fetchone()
    return User.from_row(row) if row else None


@dataclass(frozen=True)
class ModulePerm:
    visible: bool
    editable: bool
    deletable: bool


FULL = ModulePerm(True, True, True)
NONE = ModulePerm(False, False, False)


class Access:
    """Permissions of one user, loaded once per request."""

    def __init__(self, user: User, catalog: Catalog, perms: dict[str, ModulePerm],
                 hidden: dict[str, frozenset[str]], own_owners: frozenset[int]) -> None:
        self.user = user
        self.catalog = catalog
        self._perms = perms
        self._hidden = hidden
        # owners whose private records this user sees: self, role subordinates, own groups
        self.own_owners = own_owners

    @classmethod
    def load(cls, conn: sqlite3.Connection, catalog: Catalog, user: User) -> Access:
        role = conn.execute("SELECT profile_id FROM roles WHERE id = ?", (user.role_id,)).fetchone()
        perms: dict[str, ModulePerm] = {}
        hidden: dict[str, set[str]] = {}
        if role is not None:
            for r in conn.execute("SELECT * FROM profile_modules WHERE profile_id = ?", (role[0],)):
                perms[r["module"]] = ModulePerm(bool(r["visible"]), bool(r["editable"]), bool(r["deletable"]))
            for r in conn.execute("SELECT module, field FROM profile_fields WHERE profile_id = ? AND visible = 0",
                                  (role[0],)):
                hidden.setdefault(r["module"], set()).add(r["field"])
        subordinates = conn.execute(
            "WITH RECURSIVE below(id) AS (SELECT id FROM roles WHERE parent_id = ?"
            " UNION SELECT roles.id FROM roles JOIN below ON roles.parent_id = below.id)"
            " SELECT users.id FROM users JOIN below ON users.role_id = below.id",
            (user.role_id,)).fetchall()
        groups = conn.execute("SELECT group_id FROM group_members WHERE user_id = ?", (user.id,)).fetchall()
        owners = frozenset([user.id, *(r[0] for r in subordinates), *(r[0] for r in groups)])
        return cls(user, catalog, perms, {k: frozenset(v) for k, v in hidden.items()}, owners)

    def perm(self, module: str) -> ModulePerm:
        if self.user.is_admin:
            return FULL
        return self._perms.get(module, NONE)

    def module_visible(self, module: str) -> bool:
        return self.catalog.get(module) is not None and self.perm(module).visible

    def visible_module(self, module: str) -> ModuleMeta | None:
        meta = self.catalog.get(module)
        return meta if meta is not None and self.perm(module).visible else None

    def module_writable(self, module: str) -> bool:
        p = self.perm(module)
        return p.visible and p.editable

    def field_visible(self, module: str, field: str) -> bool:
        return self.user.is_admin or field not in self._hidden.get(module, frozenset())

    def visible_fields(self, meta: ModuleMeta) -> list[FieldMeta]:
        return [fm for fm in meta.fields if self.field_visible(meta.name, fm.name)]

    def record_filter(self, meta: ModuleMeta) -> tuple[str, tuple[object, ...]]:
        """SQL WHERE fragment (aliases of ModuleMeta.from_sql) selecting the records this user may read."""
        if meta.kind == "users":
            return "u.deleted = 0", ()
        if meta.kind == "groups":
            return "1 = 1", ()
        if meta.name == "Messages":  # stock: each user reads only their own copies
            return "e.deleted = 0 AND e.owner_id = ?", (self.user.id,)
        if self.user.is_admin or meta.sharing != "private":
            return "e.deleted = 0", ()
        owners = sorted(self.own_owners)
        return f"e.deleted = 0 AND e.owner_id IN ({', '.join('?' * len(owners))})", tuple(owners)

    def can_read(self, meta: ModuleMeta, owner_id: int) -> bool:
        if not self.perm(meta.name).visible:
            return False
        if meta.name == "Messages":
            return owner_id == self.user.id
        return self.user.is_admin or meta.sharing != "private" or owner_id in self.own_owners

    def can_write(self, meta: ModuleMeta, owner_id: int) -> bool:
        if not self.module_writable(meta.name):
            return False
        if meta.name == "Messages":
            return owner_id == self.user.id
        return self.user.is_admin or meta.sharing == "public_rw" or owner_id in self.own_owners
