"""Device tokens in localStorage, one per Office partition, mailbox and CRM (issue #11, point 5)."""

from __future__ import annotations

from mailconnector.core.ports import StoredSession
from mailconnector.ui.token_store import LocalTokenStore, session_key


class FakeStorage:
    def __init__(self) -> None:
        self.items: dict[str, str] = {}

    def getItem(self, key: str) -> str | None:
        return self.items.get(key)

    def setItem(self, key: str, value: str) -> None:
        self.items[key] = value

    def removeItem(self, key: str) -> None:
        self.items.pop(key, None)


def test_the_key_names_partition_mailbox_and_crm() -> None:
    assert session_key("crm.example.com/index.php", partition="p1_", mailbox="Anna@Example.com ") == (
        "p1_mailconnector.session|anna@example.com|https://crm.example.com"
    )
    assert session_key("http://crm.example.com") is None  # not a usable CRM address: no key at all


def test_two_mailboxes_of_one_profile_never_share_a_session() -> None:
    storage = FakeStorage()
    anna = LocalTokenStore(mailbox="anna@example.com", storage=storage)
    shared = LocalTokenStore(mailbox="sales@example.com", storage=storage)
    anna.save(StoredSession(url="https://crm.example.com", username="anna", token="t-anna"))
    assert anna.load("crm.example.com") == StoredSession("https://crm.example.com", "anna", "t-anna")
    assert shared.load("crm.example.com") is None  # the other mailbox signs in on its own
    shared.save(StoredSession(url="https://crm.example.com", username="sales", token="t-sales"))
    assert anna.load("https://crm.example.com/") is not None and len(storage.items) == 2
    # another CRM of the same mailbox is another session; another partition too
    assert anna.load("https://other-crm.example.com") is None
    assert LocalTokenStore(partition="x_", mailbox="anna@example.com", storage=storage).load("crm.example.com") is None
    # signing out forgets only this mailbox's token
    shared.load("crm.example.com")
    shared.clear()
    assert list(storage.items) == ["mailconnector.session|anna@example.com|https://crm.example.com"]


def test_a_missing_purged_or_broken_token_means_sign_in_again() -> None:
    storage = FakeStorage()
    store = LocalTokenStore(mailbox="anna@example.com", storage=storage)
    assert store.load("crm.example.com") is None
    store.save(StoredSession(url="https://crm.example.com", username="anna", token="t"))
    storage.items.clear()  # the browser purged the site's storage
    assert store.load("crm.example.com") is None
    storage.items[session_key("crm.example.com", mailbox="anna@example.com") or ""] = "{not json"
    assert store.load("crm.example.com") is None

    class Denied(FakeStorage):
        def getItem(self, key: str) -> str | None:
            raise PermissionError("Access is denied for this document")  # third-party storage blocked

        def setItem(self, key: str, value: str) -> None:
            raise PermissionError("Access is denied for this document")

    denied = LocalTokenStore(mailbox="anna@example.com", storage=Denied())
    denied.save(StoredSession(url="https://crm.example.com", username="anna", token="t"))  # no crash
    assert denied.load("crm.example.com") is None
