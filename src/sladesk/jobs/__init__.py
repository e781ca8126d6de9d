"""Jobs: the work sladesk does after a request has been answered.

- ``runner``: the claim -> run -> commit loop (a thread of ``sladesk serve``, or
  ``sladesk worker``).
- ``sweep``: wakes tickets whose next SLA event has come, records warnings and breaches
  exactly once and queues the policy's escalations in the outbox.
- ``delivery``: delivers outbox messages through a :class:`~sladesk.jobs.senders.Sender` per
  kind (signed webhooks now; mail and chat later), with retries and dedupe keys.

Jobs import the store, services and the pure core; never ``sladesk.api`` or ``sladesk.cli``.
"""

from __future__ import annotations

from sladesk.jobs.signing import SIGNATURE_HEADER, signature_header, verify_signature

__all__ = ["SIGNATURE_HEADER", "signature_header", "verify_signature"]
