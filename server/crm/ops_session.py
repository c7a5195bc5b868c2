"""Component discovery and sign-in (protocol B.1, B.2): mcstatus, mclogin, mclogout."""

from __future__ import annotations

from server.crm import COMPONENT_VERSION, CRM_PRODUCT, CRM_VERSION
from server.crm.access import find_user
from server.crm.auth import LoginFailure, password_login
from server.crm.context import Call
from server.crm.db import write_tx
from server.crm.errors import ComponentError
from server.crm.licence import check_licence, load_licence
from server.crm.security import new_token, token_hash
from server.crm.timeutil import for_user, later_db, now_db

CAPABILITIES = ["lookup", "suggest", "chunked_upload", "eml", "receipt", "thread", "unlink", "sent_items"]
MAX_DEVICE_NAME = 200


def mcstatus(call: Call) -> object:
    lic = load_licence(call.conn)
    # `otp` tells whether the named user (optional parameter) signs in with a one-time code.
    username = call.params.text("username").strip()
    user = find_user(call.conn, username) if username else None
    s = call.settings
    return {
        "component": "mailconnector",
        "version": call.state.switches.component_version or COMPONENT_VERSION,
        "crm": {"product": CRM_PRODUCT, "version": CRM_VERSION},
        "capabilities": CAPABILITIES,
        "licence": {"state": lic.effective_state, "installation": lic.installation, "expires": lic.expires},
        "auth": {"methods": ["password"], "otp": bool(user and user.otp_secret)},
        "limits": {"max_file_bytes": s.max_file_bytes, "max_message_bytes": s.max_message_bytes,
                   "chunk_bytes": s.chunk_bytes},
    }


def mclogin(call: Call) -> object:
    conn, p = call.conn, call.params
    username = p.text("username").strip()
    if not username:
        raise ComponentError("INVALID_REQUEST", "username is required")
    try:
        user = password_login(conn, username, p.text("password"), p.text("otp"))
    except LoginFailure as exc:
        raise ComponentError(exc.code, exc.message) from exc
    check_licence(conn, user.id)
    token = new_token()
    ttl = call.settings.token_ttl_seconds
    expires = later_db(ttl) if ttl > 0 else None
    device = p.text("device").strip()[:MAX_DEVICE_NAME] or "Unnamed device"
    now = now_db()
    with write_tx(conn):
        conn.execute(
            "INSERT INTO device_tokens (user_id, token_hash, device, created_at, last_used_at, expires_at)"
            " VALUES (?,?,?,?,?,?)", (user.id, token_hash(token), device, now, now, expires))
    return {
        "token": token,
        "expires": for_user(expires, user.time_zone),
        "user": {"id": user.ws_id, "username": user.user_name, "name": user.name, "email": user.email,
                 "language": user.language, "timezone": user.time_zone},
    }


def mclogout(call: Call) -> object:
    if call.token_id is None:  # signed in with the access key: nothing to revoke
        return {"revoked": False}
    with write_tx(call.conn):
        call.conn.execute("UPDATE device_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                          (now_db(), call.token_id))
    return {"revoked": True}
