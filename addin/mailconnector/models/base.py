"""The one configuration every boundary model shares."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints


class BoundaryModel(BaseModel):
    """Immutable; unknown fields ignored so that a newer CRM can add fields without breaking us."""

    model_config = ConfigDict(
        frozen=True,
        extra="ignore",
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
    )


WsId = Annotated[str, StringConstraints(pattern=r"^[0-9]+x[0-9]+$")]
"""A webservice record id, `<module prefix>x<number>` (e.g. `3x42`)."""

NonEmptyStr = Annotated[str, StringConstraints(min_length=1)]
