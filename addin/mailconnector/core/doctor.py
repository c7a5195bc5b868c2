"""The connection doctor: probes run in order, and the first thing wrong is named, with what to do
and who should do it (the user or the CRM administrator).

A browser reports a refused CORS request, an unknown host, an untrusted certificate and a server
that is down alike ("fetch failed"). The doctor tells them apart as far as the browser allows: the
same request sent in `no-cors` mode gets an (opaque) answer when the server is up but does not allow
this add-in's origin. When neither request gets an answer the doctor says that much and no more.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Protocol

import httpx

from mailconnector.core.state import Diagnosis, DoctorState, Probe, ProbeOutcome, Screen, Who
from mailconnector.crm import errors
from mailconnector.crm.envelope import decode_response, parse
from mailconnector.crm.urls import (
    CrmUrl,
    address_space,
    blocked_by_local_network_access,
    host_of_origin,
    normalise_crm_url,
)
from mailconnector.models import CrmStatus

if TYPE_CHECKING:
    from mailconnector.core.app import App

PROBE_TIMEOUT = 10.0
MIN_COMPONENT = (1, 0, 0)  # the protocol this add-in speaks (B.1-B.8)
CLOCK_TOLERANCE = 300.0  # seconds: beyond this, sign-in tokens and dates go wrong
CORS_HEADERS = ("Access-Control-Allow-Origin: {origin}", "Access-Control-Allow-Headers: Authorization, Content-Type",
                "Access-Control-Allow-Methods: POST, OPTIONS")


@dataclass(frozen=True)
class FetchAnswer:
    """One request as the browser lets a script see it. `answered` is false when fetch rejected
    (network, DNS, TLS, CORS or Local Network Access: the browser does not say which)."""

    answered: bool
    status: int = 0
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    error: str = ""
    timed_out: bool = False

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


class NetworkProbe(Protocol):
    """The browser edge: one POST, in normal (`cors`) or `no-cors` mode."""

    async def post(self, url: str, *, cors: bool, seconds: float) -> FetchAnswer: ...


def version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def clock_skew(date_header: str | None, now: datetime) -> float | None:
    """Seconds the CRM's clock is ahead of this computer's (negative: behind); None if unknown."""
    if not date_header:
        return None
    try:
        crm_time = parsedate_to_datetime(date_header)
    except (TypeError, ValueError):
        return None
    if crm_time.tzinfo is None:
        crm_time = crm_time.replace(tzinfo=UTC)
    return (crm_time - now).total_seconds()


class Run:
    """One pass of the probes; results are published as they come."""

    def __init__(self, publish: Callable[[tuple[Probe, ...], Diagnosis | None, str], None]) -> None:
        self.probes: list[Probe] = []
        self.diagnosis: Diagnosis | None = None
        self.base = ""
        self._publish = publish

    def add(self, name: str, outcome: ProbeOutcome, detail: str = "") -> None:
        self.probes.append(Probe(name, outcome, detail))
        self._publish(tuple(self.probes), self.diagnosis, self.base)

    def diagnose(self, key: str, who: Who, **params: object) -> None:
        self.diagnosis = Diagnosis(key, who, tuple((k, str(v)) for k, v in params.items()))
        self._publish(tuple(self.probes), self.diagnosis, self.base)


async def examine(run: Run, url_text: str, *, origin: str, probe: NetworkProbe, now: Callable[[], datetime],
                  signed_in: Callable[[], str | None]) -> CrmStatus | None:
    """Every probe in order; stops at the first thing that keeps the next ones from meaning anything.

    `signed_in()` is what the user's own sign-in showed: None (not known yet), "ok", or an error code.
    """
    # --- the address ---------------------------------------------------------------------------------------
    try:
        url = normalise_crm_url(url_text)
    except errors.UrlError as exc:
        run.add("address", "fail", exc.reason)
        run.diagnose("address", "user", reason_key=f"url.{exc.reason}")
        return None
    run.base = url.base
    run.add("address", "ok", url.base)
    # plain http is only accepted for this computer (urls.normalise_crm_url): fine there, and said so
    run.add("https", "ok", url.scheme if url.scheme == "https" else f"{url.scheme} ({url.display_host})")
    local = blocked_by_local_network_access(url.host, origin)
    space = f"{address_space(url.host)} ← {address_space(host_of_origin(origin)) if origin else '?'}"
    run.add("local_network", "warn" if local else "ok", space)

    # --- does the host answer at all? ---------------------------------------------------------------------
    answer = await probe.post(url.endpoint("mcstatus"), cors=True, seconds=PROBE_TIMEOUT)
    if not answer.answered:
        run.add("reach", "fail", answer.error or "no answer")
        if answer.timed_out:
            run.diagnose("timeout", "admin", host=url.display_host)
            return None
        opaque = await probe.post(url.endpoint("mcstatus"), cors=False, seconds=PROBE_TIMEOUT)
        if opaque.answered:
            run.add("no_cors", "ok", "opaque answer")
            headers = "\n".join(h.format(origin=origin or "*") for h in CORS_HEADERS)
            run.diagnose("cors", "admin", origin=origin or "?", headers=headers, host=url.display_host)
            return None
        run.add("no_cors", "fail", opaque.error or "no answer")
        if local:
            run.diagnose("local_network", "admin", host=url.display_host, origin=origin)
        elif url.scheme == "https":
            run.diagnose("unreachable_https", "user", host=url.display_host)
        else:
            run.diagnose("unreachable", "user", host=url.display_host)
        return None
    run.add("reach", "ok", f"HTTP {answer.status}")
    return _examine_crm(run, url, answer, now=now, signed_in=signed_in)


def _examine_crm(run: Run, url: CrmUrl, answer: FetchAnswer, *, now: Callable[[], datetime],
                 signed_in: Callable[[], str | None]) -> CrmStatus | None:
    response = httpx.Response(answer.status, headers=list(answer.headers), content=answer.body)
    try:
        status = parse(CrmStatus, decode_response("mcstatus", response), "mcstatus")
    except errors.ComponentMissing:
        run.add("component", "fail", "RouteNotFoundException")
        run.diagnose("component_missing", "admin", host=url.display_host)
        return None
    except errors.NotVtenext as exc:
        run.add("component", "fail", exc.message)
        run.diagnose("wrong_path", "user", base=url.base, status=answer.status)
        return None
    except errors.CrmError as exc:
        run.add("component", "fail", f"{exc.code}: {exc.message}")
        run.diagnose("crm_error", "admin", code=exc.code)
        return None
    run.add("component", "ok", f"Mail Connector {status.version}, {status.crm.product} {status.crm.version}")
    if version_tuple(status.version) < MIN_COMPONENT:
        run.add("version", "fail", status.version)
        run.diagnose("too_old", "admin", version=status.version, minimum=".".join(map(str, MIN_COMPONENT)))
        return status
    run.add("version", "ok", status.version)
    licence = status.licence
    if licence.state in ("inactive", "expired"):
        run.add("licence", "fail", f"{licence.state} {licence.expires or ''}".strip())
        run.diagnose(f"licence_{licence.state}", "admin", installation=licence.installation or url.display_host)
        return status
    run.add("licence", "ok", f"{licence.state} {licence.expires or ''}".strip())
    user = signed_in()
    if user is None:
        run.add("user", "skip")
    elif user in ("USER_NOT_ENABLED", "USER_INACTIVE", "LOGIN_LOCKED"):
        run.add("user", "fail", user)
        run.diagnose(user.lower(), "admin", installation=licence.installation or url.display_host)
        return status
    else:
        run.add("user", "ok")
    skew = clock_skew(answer.header("date"), now())
    if skew is None:
        run.add("clock", "skip", "Date header not readable")
    elif abs(skew) > CLOCK_TOLERANCE:
        run.add("clock", "fail", f"{skew:+.0f} s")
        run.diagnose("clock_skew", "user", minutes=round(abs(skew) / 60),
                     direction="ahead" if skew > 0 else "behind")
        return status
    else:
        run.add("clock", "ok", f"{skew:+.0f} s")
    run.diagnose("all_good", "user", host=url.display_host)
    return status


class DoctorFlow:
    """The "Check connection" screen: reachable from connect errors, the gate and the address form."""

    def __init__(self, app: App, *, probe: NetworkProbe | None, origin: str,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.app = app
        self.probe = probe
        self.origin = origin
        self.now = now
        self._generation = 0

    @property
    def available(self) -> bool:
        return self.probe is not None

    def open(self) -> None:
        state = self.app.state
        if self.probe is None or state.screen == "doctor":
            return
        url_text = state.connect.url_text or (state.session.base if state.session else "")
        back: Screen = state.screen if state.screen in ("connect", "password", "otp", "gate", "record") else "connect"
        self.app._update(screen="doctor", doctor=DoctorState(url_text=url_text, origin=self.origin, back_to=back))
        self.rerun()

    def rerun(self) -> None:
        doctor = self.app.state.doctor
        if doctor is None or self.probe is None:
            return
        self._generation += 1
        generation = self._generation
        self.app._update(doctor=replace(doctor, running=True, probes=(), diagnosis=None, copied=False,
                                        checked_at=self.now().astimezone(UTC).isoformat(timespec="seconds")))

        def publish(probes: tuple[Probe, ...], diagnosis: Diagnosis | None, base: str) -> None:
            current = self.app.state.doctor
            if current is not None and generation == self._generation:
                self.app._update(doctor=replace(current, probes=probes, diagnosis=diagnosis, base=base))

        self.app._spawn(self._run(generation, doctor.url_text, Run(publish)))

    async def _run(self, generation: int, url_text: str, run: Run) -> None:
        assert self.probe is not None
        try:
            await examine(run, url_text, origin=self.origin, probe=self.probe, now=self.now,
                          signed_in=self._signed_in)
        finally:
            current = self.app.state.doctor
            if current is not None and generation == self._generation:
                self.app._update(doctor=replace(current, running=False))

    def _signed_in(self) -> str | None:
        state = self.app.state
        if state.gate is not None and state.gate.kind == "user_not_enabled":
            return "USER_NOT_ENABLED"
        problem = state.connect.problem
        if problem is not None and problem.key in ("error.USER_INACTIVE", "error.LOGIN_LOCKED"):
            return problem.key.removeprefix("error.")
        return "ok" if state.session is not None else None

    def copied(self, ok: bool) -> None:
        doctor = self.app.state.doctor
        if doctor is not None:
            self.app._update(doctor=replace(doctor, copied=ok))

    def close(self) -> None:
        doctor = self.app.state.doctor
        if doctor is None:
            return
        self._generation += 1
        self.app._update(screen=doctor.back_to, doctor=None)
