"""Operation parameters from the query string and the body (urlencoded, multipart or JSON)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qsl

from starlette.datastructures import Headers, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from server.crm.errors import CrmError, WebServiceError

ParamKind = Literal["text", "encoded", "binary"]


class MalformedRequest(CrmError):
    """The body or a parameter cannot be read; becomes INVALID_REQUEST or a stock 500."""

    status = 400

    def envelope(self) -> dict[str, object]:
        return WebServiceError(self.message).envelope()


@dataclass(frozen=True)
class FilePart:
    filename: str
    content_type: str
    data: bytes


RawValue = str | FilePart


class Params:
    """The declared parameters of one call; a missing parameter reads as ""."""

    def __init__(self, values: dict[str, RawValue], kinds: dict[str, ParamKind]) -> None:
        self._values = values
        self._kinds = kinds

    def text(self, name: str) -> str:
        value = self._values.get(name, "")
        if isinstance(value, FilePart):
            try:
                return value.data.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise MalformedRequest(f"Parameter {name} is not UTF-8 text") from exc
        return value

    def present(self, name: str) -> bool:
        return self.text(name) != "" if not isinstance(self._values.get(name), FilePart) else True

    def decoded(self, name: str) -> object:
        """An Encoded parameter: JSON text inside the parameter. Missing → None."""
        raw = self.text(name)
        if raw == "":
            return None
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise MalformedRequest(f"Parameter {name} is not valid JSON") from exc

    def binary(self, name: str) -> bytes | None:
        """Raw bytes: a multipart file part, or base64 text."""
        value = self._values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, FilePart):
            return value.data
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise MalformedRequest(f"Parameter {name} is not valid base64") from exc


async def _once(body: bytes) -> AsyncGenerator[bytes, None]:
    yield body


async def parse_params(query_string: str, headers: Headers, body: bytes, kinds: dict[str, ParamKind],
                       max_part: int) -> Params:
    query = dict(parse_qsl(query_string, keep_blank_values=True))
    body_values = await _body_values(headers, body, max_part)
    values: dict[str, RawValue] = {}
    for name in kinds:
        if name in query:
            values[name] = query[name]
        elif name in body_values:
            values[name] = body_values[name]
    return Params(values, kinds)


async def _body_values(headers: Headers, body: bytes, max_part: int) -> dict[str, RawValue]:
    if not body:
        return {}
    ctype = headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "application/json":
        return _json_values(body)
    if ctype == "application/x-www-form-urlencoded":
        try:
            return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False))
        except (UnicodeDecodeError, ValueError) as exc:
            raise MalformedRequest("Malformed form body") from exc
    if ctype == "multipart/form-data":
        return await _multipart_values(headers, body, max_part)
    return {}  # like PHP: a body of another type carries no parameters


def _json_values(body: bytes) -> dict[str, RawValue]:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedRequest("Malformed JSON body") from exc
    if not isinstance(data, dict):
        raise MalformedRequest("The JSON body must be an object")
    values: dict[str, RawValue] = {}
    for key, value in data.items():
        if isinstance(value, str):
            values[key] = value
        elif value is None:
            values[key] = ""
        elif isinstance(value, bool):
            values[key] = "true" if value else "false"
        elif isinstance(value, (int, float)):
            values[key] = str(value)
        else:  # Encoded parameters are JSON *text*, even inside a JSON body
            raise MalformedRequest(f"Parameter {key} must be a string (JSON text)")
    return values


async def _multipart_values(headers: Headers, body: bytes, max_part: int) -> dict[str, RawValue]:
    parser = MultiPartParser(headers, _once(body), max_files=100, max_fields=100, max_part_size=max_part)
    try:
        form = await parser.parse()
    except (MultiPartException, KeyError, ValueError) as exc:
        raise MalformedRequest("Malformed multipart body") from exc
    values: dict[str, RawValue] = {}
    try:
        for key, item in form.multi_items():
            if isinstance(item, UploadFile):
                data = await item.read()
                values[key] = FilePart(item.filename or "", item.content_type or "", data)
            else:
                values[key] = item
    finally:
        await form.close()
    return values


def json_dumps(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


__all__ = ["FilePart", "MalformedRequest", "ParamKind", "Params", "json_dumps", "parse_params"]
