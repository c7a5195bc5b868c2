"""When a failed CRM call is tried again, and how long to wait before doing so."""

from __future__ import annotations

from dataclasses import dataclass

from mailconnector.crm.envelope import TRANSIENT_HTTP_STATUSES
from mailconnector.crm.errors import CrmError, HostNotFound, NetworkError, ServerError, TlsError


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential back-off: `attempts` tries in all, waiting first_delay, first_delay*factor, ..."""

    attempts: int = 3
    first_delay: float = 0.5
    factor: float = 2.0
    max_delay: float = 8.0

    def delay(self, failures: int) -> float:
        """Seconds to wait after the `failures`-th consecutive failure (1-based)."""
        return float(min(self.max_delay, self.first_delay * self.factor ** max(0, failures - 1)))


NO_RETRY = RetryPolicy(attempts=1)


def is_transient(error: CrmError) -> bool:
    """Failures that may well not happen again a second later.

    A host that does not resolve or a certificate that does not verify will not fix itself in a
    second, so those are reported at once.
    """
    if isinstance(error, HostNotFound | TlsError):
        return False
    if isinstance(error, NetworkError):
        return True  # includes Timeout, Unreachable (a CRM restarting) and the browser's fetch failure
    return isinstance(error, ServerError) and error.http_status in TRANSIENT_HTTP_STATUSES
