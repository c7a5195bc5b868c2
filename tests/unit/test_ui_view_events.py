"""ui/view.py's reading of page events that the core relies on (under CPython, with stand-ins)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from mailconnector.ui import view


def test_a_keystrokes_age_comes_from_its_timestamp_and_an_implausible_one_is_not_believed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The search's debounce counts from the keystroke (`event.timeStamp`, on `performance.now()`'s clock);
    a timestamp older than a few ms is not believed, so that a bogus one cannot cancel the debounce."""
    monkeypatch.setattr(view, "window", SimpleNamespace(performance=SimpleNamespace(now=lambda: 1000.0)))
    assert view._age_seconds(SimpleNamespace(timeStamp=988.0)) == pytest.approx(0.012)
    assert view._age_seconds(SimpleNamespace(timeStamp=1001.0)) == 0.0  # never in the future
    assert view._age_seconds(SimpleNamespace(timeStamp=0.0)) == view._MOST_BELIEVED_AGE
