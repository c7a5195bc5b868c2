"""Test-mode switches (POST /_test/mode): make the local CRM fail the ways a real installation can,
so that the add-in's connection check can be shown each diagnosis for real in a browser.

- `cors`: false answers without any CORS header (a server that does not allow the add-in's origin);
- `clock_skew_seconds`: the CRM's `Date` header runs this far ahead (negative: behind);
- `component`: false answers every component operation like a vtenext without Mail Connector;
- `component_version`: the version mcstatus reports (an older component);
- `latency_ms`: every call on an operation route (OPTIONS included) is answered this much later, as
  a CRM over a network would be (the bench's `--crm-latency-ms`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields


@dataclass
class Switches:
    cors: bool = True
    clock_skew_seconds: float = 0.0
    component: bool = True
    component_version: str | None = None
    latency_ms: float = 0.0

    def update(self, spec: dict[str, object]) -> None:
        known = {f.name for f in fields(self)}
        unknown = set(spec) - known
        if unknown:
            raise ValueError(f"unknown switch {', '.join(sorted(unknown))}")
        if "cors" in spec:
            self.cors = bool(spec["cors"])
        if "component" in spec:
            self.component = bool(spec["component"])
        if "clock_skew_seconds" in spec:
            self.clock_skew_seconds = float(spec["clock_skew_seconds"])  # type: ignore[arg-type]
        if "latency_ms" in spec:
            latency = float(spec["latency_ms"])  # type: ignore[arg-type]
            if not 0 <= latency <= 10_000:
                raise ValueError("latency_ms must be between 0 and 10000")
            self.latency_ms = latency
        if "component_version" in spec:
            value = spec["component_version"]
            self.component_version = None if value is None else str(value)

    def reset(self) -> None:
        self.__init__()  # type: ignore[misc]

    def describe(self) -> dict[str, object]:
        return asdict(self)
