"""The Mail Connector licence: state, expiry, seats and enabled users."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date

from server.crm.errors import ComponentError


@dataclass(frozen=True)
class Licence:
    installation: str
    crm_url: str
    state: str  # active | inactive (as stored)
    expires: str | None  # YYYY-MM-DD or None
    seats: int
    enabled_user_ids: tuple[int, ...]  # in the order they were enabled

    @property
    def effective_state(self) -> str:
        if self.state != "active":
            return "inactive"
        if self.expires and date.fromisoformat(self.expires) < date.today():
            return "expired"
        return "active"

    def user_enabled(self, user_id: int) -> bool:
        """Enabled and within the seats (users enabled beyond the seat count do not get in)."""
        return user_id in self.enabled_user_ids[: self.seats]


def load_licence(conn: sqlite3.Connection) -> Licence:
    row = conn.execute("SELECT * FROM licence WHERE id = 1").fetchone()
    users = tuple(r[0] for r in conn.execute("SELECT user_id FROM licence_users ORDER BY position"))
    if row is None:
        return Licence("", "", "inactive", None, 0, ())
    return Licence(row["installation"], row["crm_url"], row["state"], row["expires"], row["seats"], users)


def check_licence(conn: sqlite3.Connection, user_id: int) -> None:
    """The licence gate of every component operation after sign-in (and of mclogin itself)."""
    lic = load_licence(conn)
    state = lic.effective_state
    if state == "inactive":
        raise ComponentError("LICENCE_INACTIVE", "The Mail Connector licence is not active")
    if state == "expired":
        raise ComponentError("LICENCE_EXPIRED", f"The Mail Connector licence expired on {lic.expires}")
    if not lic.user_enabled(user_id):
        raise ComponentError("USER_NOT_ENABLED", "This user is not enabled for Mail Connector")
