"""Charts drawn by the server as SVG (no script, no CDN, no inline style: the page's
Content-Security-Policy holds): compliance per group as bars, or per time bucket as lines.
Every bar and point is a link to the tickets behind it. Colours come from classes styled in
``static/sladesk.css``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

BAR_HEIGHT, GAP, LABEL_WIDTH, PLOT_WIDTH = 18, 6, 220, 420
LINE_WIDTH, LINE_HEIGHT = 640, 220
#: a chart is a group named by its caption, not ``role="img"``: an image's content is one
#: picture to assistive technology, and its bars and points are links (axe's
#: ``nested-interactive``: a link inside an image cannot be reached)
_ROLE = 'role="group"'


@dataclass(frozen=True, slots=True)
class Point:
    label: str  # the group's (a bucket's first day for lines)
    value: float | None  # compliance, 0..1; None: nothing decided
    href: str  # the tickets behind it
    title: str  # the tooltip: figures in words


@dataclass(frozen=True, slots=True)
class Series:
    name: str  # e.g. "first_response" or "first_response (goal)"
    points: Sequence[Point]


def _title(text: str) -> str:
    return f"<title>{escape(text)}</title>"


def bars(series: Sequence[Series], caption: str) -> Markup:
    """One row of bars per group label, one bar per series, 0–100 %."""
    labels: list[str] = []
    for s in series:
        for q in s.points:
            if q.label not in labels:
                labels.append(q.label)
    per_row = max(1, len(series))
    row_h = per_row * BAR_HEIGHT + GAP
    legend_y = len(labels) * row_h + 40
    height = legend_y + 16 * len(series) + 4
    width = LABEL_WIDTH + PLOT_WIDTH + 60
    out = [f'<svg class="chart" {_ROLE} aria-label="{escape(caption)}" '
           f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
           f'xmlns="http://www.w3.org/2000/svg">', _title(caption)]  # fmt: skip
    for pct in (0, 50, 100):
        x = LABEL_WIDTH + PLOT_WIDTH * pct / 100
        out.append(f'<line class="grid" x1="{x:.0f}" y1="0" x2="{x:.0f}" y2="{legend_y - 30}"/>')
        out.append(f'<text class="axis x" x="{x:.0f}" y="{legend_y - 14}">{pct}%</text>')
    for i, s in enumerate(series):
        y = legend_y + 16 * i
        out.append(f'<rect class="bar s{i % 4}" x="{LABEL_WIDTH}" y="{y - 9}" width="10" '
                   f'height="10"/><text class="legend s{i % 4}" x="{LABEL_WIDTH + 16}" '
                   f'y="{y}">{escape(s.name)}</text>')  # fmt: skip
    for r, label in enumerate(labels):
        y0 = r * row_h
        out.append(f'<text class="label" x="{LABEL_WIDTH - 8}" y="{y0 + row_h / 2 + 4:.0f}">'
                   f"{escape(label)}</text>")  # fmt: skip
        for i, s in enumerate(series):
            p = next((q for q in s.points if q.label == label), None)
            if p is None:
                continue
            y = y0 + i * BAR_HEIGHT
            w = 0 if p.value is None else PLOT_WIDTH * p.value
            text = "—" if p.value is None else f"{p.value:.0%}"
            out.append(
                f'<a href="{escape(p.href)}">{_title(p.title)}'
                f'<rect class="bar s{i % 4}" x="{LABEL_WIDTH}" y="{y}" width="{w:.1f}" '
                f'height="{BAR_HEIGHT - 3}"/>'
                f'<text class="value" x="{LABEL_WIDTH + w + 4:.1f}" y="{y + BAR_HEIGHT - 6}">'
                f"{escape(text)}</text></a>"
            )
    out.append("</svg>")
    return Markup("".join(out))


def lines(series: Sequence[Series], caption: str) -> Markup:
    """Compliance over time, one line per series; points are links."""
    labels: list[str] = sorted({p.label for s in series for p in s.points})
    left, top, bottom, right = 44, 10, 40, 40
    height = LINE_HEIGHT + 16 * len(series)
    plot_w, plot_h = LINE_WIDTH - left - right, LINE_HEIGHT - top - bottom
    n = max(1, len(labels) - 1)

    def x(label: str) -> float:
        return left + plot_w * (labels.index(label) / n if len(labels) > 1 else 0.5)

    def y(value: float) -> float:
        return top + plot_h * (1 - value)

    out = [f'<svg class="chart" {_ROLE} aria-label="{escape(caption)}" '
           f'viewBox="0 0 {LINE_WIDTH} {height}" width="{LINE_WIDTH}" height="{height}" '
           f'xmlns="http://www.w3.org/2000/svg">', _title(caption)]  # fmt: skip
    for pct in (0, 50, 100):
        yy = y(pct / 100)
        edge = LINE_WIDTH - right
        out.append(f'<line class="grid" x1="{left}" y1="{yy:.0f}" x2="{edge}" y2="{yy:.0f}"/>')
        out.append(f'<text class="axis" x="4" y="{yy + 4:.0f}">{pct}%</text>')
    step = max(1, len(labels) // 8)
    for i, label in enumerate(labels):
        if i % step == 0:
            out.append(f'<text class="axis x" x="{x(label):.0f}" y="{LINE_HEIGHT - 20}">'
                       f"{escape(label)}</text>")  # fmt: skip
    for i, s in enumerate(series):
        known = [p for p in s.points if p.value is not None]
        if len(known) > 1:
            path = " ".join(f"{x(p.label):.1f},{y(p.value or 0):.1f}" for p in known)
            out.append(f'<polyline class="line s{i % 4}" points="{path}"/>')
        for p in known:
            out.append(f'<a href="{escape(p.href)}">{_title(p.title)}<circle class="dot s{i % 4}" '
                       f'cx="{x(p.label):.1f}" cy="{y(p.value or 0):.1f}" r="4"/></a>')  # fmt: skip
        out.append(f'<text class="legend s{i % 4}" x="{left}" y="{LINE_HEIGHT + 16 * i}">'
                   f"{escape(s.name)}</text>")  # fmt: skip
    out.append("</svg>")
    return Markup("".join(out))


def chart(series: Sequence[Series], caption: str, *, over_time: bool) -> Markup:
    return (lines if over_time else bars)(series, caption)
