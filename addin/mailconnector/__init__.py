"""Mail Connector: the Python package that runs in the Outlook task pane (and under CPython in tests)."""

from mailconnector.version import VERSION

__all__ = ["VERSION"]
