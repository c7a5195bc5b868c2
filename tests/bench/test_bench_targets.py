"""The boot benchmark's targets: which build serves each, and what `python -m bench` refuses."""

from __future__ import annotations

import pytest

from bench import boot
from bench.__main__ import main


def test_the_earlier_builds_rows_are_served_by_the_compare_build_and_the_plain_webkit_row_is_default() -> None:
    by_key = {t.key: t for t in boot.TARGETS}
    assert {key for key, t in by_key.items() if t.server == "before"} == {"before", "webkit_before_plain"}
    assert by_key["webkit_before_plain"].path == by_key["webkit_pane_plain"].path == "/index.html?mc-boot=plain"
    assert boot.WEBKIT_PLAIN in boot.DEFAULT_TARGETS


def test_the_webkit_row_of_the_earlier_build_needs_that_build(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--targets", "webkit_pane_plain,webkit_before_plain"])
    assert "give --compare" in capsys.readouterr().err
