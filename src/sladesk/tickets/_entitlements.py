"""What an organisation's plan entitles it to: channels, a monthly ticket quota, and whether
support answers at all (community-only plans get the community/help-centre link); and which
plans and add-ons an organisation may hold under a policy.

A ticket over quota is still stored (nothing a customer writes is lost), flagged, and the
requester told why. The quota month is the calendar month in the organisation's time zone.
A type declared ``quota: false`` (Infraspeak's technical-service requests) is neither counted
in the quota nor ever over it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sladesk.policy import Policy
from sladesk.tickets._errors import TicketRuleError


@dataclass(frozen=True, slots=True)
class Entitlement:
    over_quota: bool = False
    quota: int | None = None
    used: int = 0  # tickets already filed this month, before this one
    community: bool = False  # answered with the community/help-centre link
    community_url: str | None = None


def quota_month(now: datetime, time_zone: str) -> tuple[datetime, datetime]:
    """The calendar month containing ``now`` in ``time_zone``, as [start, end) in UTC."""
    try:
        tz: ZoneInfo | None = ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        tz = None
    local = now.astimezone(tz or UTC)
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (
        start.replace(year=start.year + 1, month=1)
        if start.month == 12
        else start.replace(month=start.month + 1)
    )
    # re-anchor the local wall times (the offset may differ at the month's other end)
    zone = tz or UTC
    start = start.replace(tzinfo=None).replace(tzinfo=zone)
    end = end.replace(tzinfo=None).replace(tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def check_entitlement(
    policy: Policy | None,
    plan: str | None,
    ticket_type: str,
    channel: str,
    used_this_month: int,
) -> Entitlement:
    """Raise :class:`TicketRuleError` when the channel is not one the policy or plan offers;
    otherwise say whether the ticket is over quota and whether the community answers it."""
    if policy is None:
        return Entitlement(used=used_this_month)
    if channel not in policy.channels:
        raise TicketRuleError(
            f"channel {channel!r} is not offered (one of {', '.join(sorted(policy.channels))})",
            code="ticket.channel.unknown", field="channel",
        )  # fmt: skip
    p = policy.plans.get(plan) if plan is not None else None
    if p is None:
        return Entitlement(used=used_this_month)
    if p.channels is not None and channel not in p.channels:
        raise TicketRuleError(
            f"the {p.key} plan does not include the {channel} channel "
            f"(it includes {', '.join(sorted(p.channels))})",
            code="ticket.channel.not_in_plan", field="channel",
        )  # fmt: skip
    declared = policy.types.get(ticket_type)
    counted = declared is None or declared.counts_toward_quota
    over = counted and p.ticket_quota is not None and used_this_month >= p.ticket_quota
    community = ticket_type in p.community_types or (not p.support and not p.community_types)
    return Entitlement(
        over_quota=over,
        quota=p.ticket_quota,
        used=used_this_month,
        community=community,
        community_url=policy.community_url or policy.help_center_url,
    )


def subscription_problems(
    policy: Policy | None, plan: str | None, addons: tuple[str, ...]
) -> list[tuple[str, str]]:
    """What is wrong with an organisation holding ``plan`` and ``addons`` under ``policy``,
    as ``(field, message)`` pairs naming the allowed values; empty when nothing is. Without
    a policy no plan or add-on can be checked, so none may be given."""
    out: list[tuple[str, str]] = []
    if policy is None:
        if plan is not None:
            out.append(("plan", f"no policy is in force to define plan {plan!r}: publish one"))
        if addons:
            out.append(("addons", "no policy is in force to define add-ons: publish one"))
        return out
    if plan is not None and plan not in policy.plans:
        out.append(("plan", f"unknown plan {plan!r} ({_allowed(policy.plans)})"))
    for i, key in enumerate(addons):
        addon = policy.addons.get(key)
        if addon is None:
            out.append((f"addons[{i}]", f"unknown add-on {key!r} ({_allowed(policy.addons)})"))
        elif addon.plans is not None and plan not in addon.plans:
            held = f"plan {plan!r}" if plan is not None else "no plan"
            out.append((
                f"addons[{i}]",
                f"add-on {key!r} is only for the {' and '.join(sorted(addon.plans))} plan"
                f"{'s' if len(addon.plans) > 1 else ''} (the organisation has {held})",
            ))  # fmt: skip
    return out


def _allowed(keys: object) -> str:
    names = ", ".join(keys) if isinstance(keys, dict) else ""
    return f"one of {names}" if names else "the policy in force defines none"
