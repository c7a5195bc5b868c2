"""The private Emscripten code the table-identity correction (addin/loader/table-identity.mjs) relies on,
read from the vendored Pyodide. A Pyodide upgrade that changes any of it fails here, by name, before the
WebKit tests (tests/webkit/) show a fallback: re-check the correction against the new pyodide.asm.mjs,
then update the expectations below."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from server import vendor

ROOT = Path(__file__).resolve().parents[2]
CHECKED_WITH = "314.0.7"  # the Pyodide the correction was measured with (WebKitGTK 2.50, Chromium 156)


def pyodide_version() -> str:
    lock = json.loads((ROOT / "runtime.lock.json").read_text())
    return str(next(p["version"] for p in lock["npm"] if p["package"] == "pyodide"))


@pytest.fixture(scope="module")
def emscripten() -> str:
    path = vendor.RUNTIME / "pyodide" / "pyodide.asm.mjs"
    if not path.exists():
        pytest.fail(f"{path} missing: run `make setup`")
    return path.read_text()


def test_the_correction_was_checked_with_the_pinned_pyodide() -> None:
    assert pyodide_version() == CHECKED_WITH, (
        "Pyodide changed: re-run tests/webkit/ and re-check addin/loader/table-identity.mjs "
        "(Emscripten's addFunction dedup, the table export, instantiateWasm's receive callback)"
    )


# Each: what table-identity.mjs assumes, and the code that makes it true in pyodide.asm.mjs.
CONTRACT = {
    "the table is the main module's export __indirect_function_table": r'wasmTable=Module\["wasmTable"\]='
    r'wasmExports\["__indirect_function_table"\]',
    "the table is read through wasmTable.get only (getWasmTableEntry)": r"var getWasmTableEntry=funcPtr=>\{var func="
    r"wasmTableMirror\[funcPtr\];if\(!func\)\{wasmTableMirror\[funcPtr\]=func=wasmTable\.get\(funcPtr\)\}return func\}",
    "addFunction dedups through a WeakMap filled from table entries": r"var getFunctionAddress=func=>\{if\(!"
    r"functionsInTableMap\)\{functionsInTableMap=new WeakMap;updateTableMap\(0,wasmTable\.length\)\}",
    "addFunction appends a slot when the lookup fails": r"var addFunction=\(func,sig\)=>\{var rtn=getFunctionAddress"
    r"\(func\);if\(rtn\)\{return rtn\}var ret=getEmptyTableSlot\(\)",
    "the dynamic linker registers every exported function with addFunction": r"var updateGOT=\(exports,replace\)=>"
    r"\{for\(var symName in exports\)\{.{0,200}?if\(typeof value==\"function\"\)\{newValue=addFunction\(value\)\}",
}


@pytest.mark.parametrize("assumption", sorted(CONTRACT))
def test_emscripten_still_does_what_the_correction_assumes(emscripten: str, assumption: str) -> None:
    assert re.search(CONTRACT[assumption], emscripten), f"pyodide.asm.mjs changed: no longer true that {assumption}"


def test_pyodide_hands_the_main_instance_to_a_receive_callback_before_updating_the_got(emscripten: str) -> None:
    # Module.instantiateWasm(imports, receive) is Emscripten's hook; Pyodide sets its own, which
    # table-identity.mjs wraps: the table must be corrected before updateGOT reads it (receiveInstance).
    assert 'Module["instantiateWasm"](info,(inst,mod)=>{resolve(receiveInstance(inst,mod))})' in emscripten
    receive = re.search(r"function receiveInstance\(instance,module\)\{(.{0,400})", emscripten)
    assert receive, "pyodide.asm.mjs has no receiveInstance(instance, module)"
    body = receive.group(1)
    assert body.startswith("wasmExports=instance.exports;var origExports=wasmExports;")
    assert "updateGOT(origExports)" in body  # the very function objects of instance.exports
