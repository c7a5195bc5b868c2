"""The VTQL compiler's view of the modules, as one user sees them."""

from __future__ import annotations

from server.crm.access import Access
from server.crm.catalog import ModuleMeta
from server.crm.metadata import MODULES
from server.crm.search_index import index_table, indexed_fields
from server.crm.vtql import FieldRef

# Columns with a trigram index, per module (search_index.py creates them for the built-in modules).
_INDEXED = {mod.name: frozenset(indexed_fields(mod)) for mod in MODULES if mod.kind == "entity"}


class CrmModuleView:
    def __init__(self, meta: ModuleMeta, access: Access) -> None:
        self.meta = meta
        self.access = access
        self.name = meta.name
        self.id_prefix = str(meta.prefix)
        self.from_sql = meta.from_sql
        self.id_sql = meta.id_sql
        self.visibility_sql, self.visibility_params = access.record_filter(meta)

    def field(self, name: str) -> FieldRef | None:
        if name == "id":
            return FieldRef("id", self.id_sql, "id")
        fm = self.meta.field(name)
        if fm is None or not self.access.field_visible(self.meta.name, name):
            return None
        index = index_table(self.name) if name in _INDEXED.get(self.name, ()) else None
        return FieldRef(fm.name, fm.sql, fm.kind, index)  # type: ignore[arg-type]

    def all_fields(self) -> list[FieldRef]:
        return [FieldRef(fm.name, fm.sql, fm.kind)  # type: ignore[arg-type]
                for fm in self.access.visible_fields(self.meta)]


class CrmResolver:
    def __init__(self, access: Access) -> None:
        self.access = access

    def module(self, name: str) -> CrmModuleView | None:
        meta = self.access.visible_module(name)
        return CrmModuleView(meta, self.access) if meta is not None else None
