"""Policy texts shared by the policy tests, and helpers to say where a problem should be."""

from __future__ import annotations

from sladesk.policy import validate_policy

BASE = """\
policy: acme-support
version: "1"
locales: [en, es]
calendars:
  office:
    timezone: Europe/Lisbon
    hours: {mon-fri: ["09:00-18:00"]}
  always:
    timezone: UTC
    hours: 24x7
priorities:
  urgent: {label: {en: Urgent, es: Urgente}, definition: {en: Down, es: Caído}}
  high: {label: {en: High, es: Alta}, definition: {en: Degraded, es: Degradado}}
  medium: {label: {en: Medium, es: Media}, definition: {en: Limited, es: Limitado}}
  low: {label: {en: Low, es: Baja}, definition: {en: Cosmetic, es: Cosmético}}
types:
  incident: {label: {en: Incident, es: Incidente}}
  question: {label: {en: Question, es: Duda}}
  feature_request: {label: {en: Feature request, es: Funcionalidad}, sla: false}
channels: [portal, email, whatsapp]
plans:
  pro: {label: {en: Pro, es: Pro}, ticket_quota: 40}
  free: {label: {en: Free, es: Gratis}, support: false, community_types: [question]}
addons:
  vip: {label: {en: VIP, es: VIP}, plans: [pro]}
messages:
  quota_exceeded: {en: "Late: over {quota}.", es: "Tarde: más de {quota}."}
rules:
  - name: vip
    when: {addon: vip, priority: [urgent, high]}
    targets:
      - metric: first_response
        calendar: always
        durations: {urgent: 1h, high: 1h}
  - name: standard
    calendar: office
    targets:
      - metric: first_response
        durations: {urgent: 4h, high: 12h, medium: 1bd, low: 2bd}
        warn: ["75%", 30m]
        on_breach: [{notify: "role:lead"}]
      - metric: resolution
        duration: 24h
        pause_on: [pending_customer]
"""


def edit(old: str, new: str, text: str = BASE) -> str:
    """``text`` with its one occurrence of ``old`` replaced by ``new``."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def at(text: str, needle: str, occurrence: int = 1, *, after: str = "") -> str:
    """``"line:col"`` (1-based) of the ``occurrence``-th ``needle`` in ``text`` (counting
    from the first ``after``, if given)."""
    index = text.index(after) if after else -1
    for _ in range(occurrence):
        index = text.index(needle, index + 1)
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return f"{line}:{column}"


def problems(text: str, source: str = "p.yaml") -> list[str]:
    return [str(e) for e in validate_policy(text, source)]
