"""What the CRM answers: discovery, sign-in, modules, records, suggestions, lookups."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field, NonNegativeInt, PositiveInt, field_validator

from mailconnector.models.base import BoundaryModel, JsonObject, NonEmptyStr, WsId

LicenceState = Literal["active", "inactive", "expired"]
SearchState = Literal["results", "none", "too_many"]


# --- mcstatus ---------------------------------------------------------------------------------------
class CrmProduct(BoundaryModel):
    product: str
    version: str


class Licence(BoundaryModel):
    state: LicenceState
    installation: str = ""
    expires: date | None = None


class AuthMethods(BoundaryModel):
    methods: tuple[str, ...] = ("password",)
    otp: bool = False


class Limits(BoundaryModel):
    max_file_bytes: PositiveInt
    max_message_bytes: PositiveInt
    chunk_bytes: PositiveInt


class CrmStatus(BoundaryModel):
    component: Literal["mailconnector"]
    version: str
    crm: CrmProduct
    capabilities: tuple[str, ...] = ()
    licence: Licence
    auth: AuthMethods
    limits: Limits

    def has(self, capability: str) -> bool:
        return capability in self.capabilities


# --- mclogin ----------------------------------------------------------------------------------------
class CrmUser(BoundaryModel):
    id: WsId
    username: NonEmptyStr
    name: str = ""
    email: str = ""
    language: str = ""
    timezone: str = ""


class LoginResult(BoundaryModel):
    token: NonEmptyStr = Field(repr=False)  # a credential: kept out of logs and reprs
    expires: str | None = None
    user: CrmUser


# --- mcmodules / describe -----------------------------------------------------------------------------
class LinkableModule(BoundaryModel):
    name: NonEmptyStr
    label: str
    singular: str = ""
    id_prefix: str = Field(alias="idPrefix", pattern=r"^[0-9]+$")
    label_fields: tuple[str, ...] = Field(default=(), alias="labelFields")
    search_fields: tuple[str, ...] = Field(default=(), alias="searchFields")
    email_fields: tuple[str, ...] = Field(default=(), alias="emailFields")
    can_link: bool = Field(alias="canLink")


class PicklistValue(BoundaryModel):
    label: str = ""
    value: str


class FieldType(BoundaryModel):
    name: str
    refers_to: tuple[str, ...] = Field(default=(), alias="refersTo")
    picklist_values: tuple[PicklistValue, ...] = Field(default=(), alias="picklistValues")
    default_value: str | None = Field(default=None, alias="defaultValue")


class FieldDescription(BoundaryModel):
    name: NonEmptyStr
    label: str = ""
    mandatory: bool = False
    editable: bool = True
    nullable: bool = True
    type: FieldType


class ModuleDescription(BoundaryModel):
    """`describe`: only the fields this user may see."""

    name: NonEmptyStr
    label: str = ""
    id_prefix: str = Field(alias="idPrefix", pattern=r"^[0-9]+$")
    is_entity: bool = Field(default=True, alias="isEntity")
    createable: bool = False
    updateable: bool = False
    deleteable: bool = False
    retrieveable: bool = True
    label_fields: tuple[str, ...] = Field(default=(), alias="labelFields")
    fields: tuple[FieldDescription, ...] = ()

    @field_validator("label_fields", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        # vtenext sends "firstname,lastname"; mcmodules sends a list. Accept both.
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    def field(self, name: str) -> FieldDescription | None:
        return next((f for f in self.fields if f.name == name), None)

    def fields_of_type(self, *type_names: str) -> tuple[FieldDescription, ...]:
        return tuple(f for f in self.fields if f.type.name in type_names)


# --- records ----------------------------------------------------------------------------------------------
class RecordRef(BoundaryModel):
    id: WsId
    label: str = ""


class CrmRecord(BoundaryModel):
    """A record as `retrieve` or `query` returns it: its id and its visible fields, as sent."""

    id: WsId
    fields: JsonObject

    @classmethod
    def from_row(cls, row: Any) -> CrmRecord:
        if not isinstance(row, dict):
            return cls.model_validate(row)  # raises a ValidationError naming the problem
        return cls.model_validate({"id": row.get("id"), "fields": row})

    def text(self, name: str) -> str:
        """A field as display text: missing and null are empty."""
        value = self.fields.get(name)
        return "" if value is None else str(value)


class RecordSummary(BoundaryModel):
    """One search hit with what tells records apart: name, number, company, email, owner."""

    module: str
    id: WsId
    label: str
    number: str | None = None
    email: str | None = None
    account_id: str | None = None
    account_label: str | None = None
    owner_id: str | None = None
    owner_name: str | None = None


class SearchResult(BoundaryModel):
    module: str
    text: str
    records: tuple[RecordSummary, ...]
    total: NonNegativeInt
    limit: PositiveInt

    @property
    def state(self) -> SearchState:
        """'too many' (refine the search) is distinct from 'no results'."""
        if not self.records and self.total == 0:
            return "none"
        return "too_many" if self.total > len(self.records) else "results"


# --- mcsuggest / mclookup ------------------------------------------------------------------------------
class Suggestion(BoundaryModel):
    module: str
    id: WsId
    label: str
    email: str = ""
    account: RecordRef | None = None
    owner: str = ""
    matched: str = ""


class LookupLink(BoundaryModel):
    module: str
    id: WsId
    label: str
    message: WsId
    linked_by: str = ""
    linked_at: str = ""

    @property
    def linked_at_datetime(self) -> datetime | None:
        """`linked_at` parsed (ISO 8601 or vtenext's `YYYY-MM-DD HH:MM:SS`), None if neither."""
        try:
            return datetime.fromisoformat(self.linked_at)
        except ValueError:
            return None


class ThreadLink(LookupLink):
    """A record where an earlier mail of the same conversation is stored (mclookup's `thread`, B.9): a link
    plus which mail of the conversation it holds."""

    messageid: str = ""
    subject: str = ""


class LookupResult(BoundaryModel):
    links: tuple[LookupLink, ...] = ()
    thread: tuple[ThreadLink, ...] = ()  # empty from a component without the `thread` capability
