"""pyscript.toml becomes the JSON config inlined in the page: the loader as interpreter, no packages."""

from __future__ import annotations

import json
from html import unescape
from pathlib import Path

import pytest

from server import build


def test_the_committed_config_points_pyscript_at_the_loader_and_installs_nothing() -> None:
    config = build.pyscript_config("runtime/0123456789ab/boot/boot.mjs")
    assert config["interpreter"] == "./runtime/0123456789ab/boot/boot.mjs"
    assert not {"packages", "files", "fetch"} & config.keys()
    assert {"!py-editor", "!py-terminal", "!py-game", "!donkey", "!deprecations-manager"} <= set(config["plugins"])


def test_the_inline_config_is_json_pyscript_recognises_inside_a_double_quoted_attribute() -> None:
    config = {"interpreter": "./boot.mjs", "name": 'Quote " and <tag> & more'}
    attribute = build.inline_config(config)
    assert '"' not in attribute and "<" not in attribute
    text = unescape(attribute)
    # PyScript treats a config attribute that starts with "{" and ends with "}" as inline JSON.
    assert text.startswith("{") and text.endswith("}")
    assert json.loads(text) == config


@pytest.mark.parametrize("key", ["packages = [\"pydantic\"]", "[files]\n\"app.zip\" = \"./*\""])
def test_a_config_that_would_make_pyscript_install_again_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    (tmp_path / "pyscript.toml").write_text(f'interpreter = "runtime/boot/boot.mjs"\n{key}\n')
    monkeypatch.setattr(build, "ROOT", tmp_path)
    with pytest.raises(ValueError, match="belong to the loader"):
        build.pyscript_config("runtime/x/boot/boot.mjs")
