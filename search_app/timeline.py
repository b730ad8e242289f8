"""The timeline of matching articles per month: an SVG bar chart drawn on the server.

Input is a facet of counts keyed ``YYYY-MM`` (per month) or, when the query
module gives only years, ``YYYY``.  Every bar links to the same search
restricted to its month (or year), so the chart is navigable without
JavaScript.  All text in the SVG is generated here and escaped.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from typing import Any

from fastapi import Request
from markupsafe import Markup, escape

from search_app.templating import query_url

WIDTH = 720
HEIGHT = 140
PAD_LEFT = 34
PAD_BOTTOM = 22
PAD_TOP = 8
MAX_BARS = 240  # 20 years of months; older months are grouped into years beyond that


def facet_counts(facet: Any) -> dict[str, int]:
    """A facet as ``{value: count}`` from a dict or a list of ``{value, count}`` / pairs."""
    out: dict[str, int] = {}
    if isinstance(facet, Mapping):
        items: Iterable[Any] = facet.items()
    elif isinstance(facet, list | tuple):
        items = facet
    else:
        return out
    for item in items:
        if isinstance(item, Mapping):
            value, count = item.get("value"), item.get("count")
        elif isinstance(item, list | tuple) and len(item) == 2:
            value, count = item
        else:
            continue
        if value is None:
            continue
        try:
            out[str(value)] = int(count or 0)
        except (TypeError, ValueError):
            continue
    return out


def _months_between(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:7])
    end = (int(last[:4]), int(last[5:7]))
    out = []
    while (year, month) <= end:
        out.append(f"{year:04d}-{month:02d}")
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return out


def series(facets: Mapping[str, Any]) -> tuple[str, list[tuple[str, int]]]:
    """The bars to draw: (``"month"`` or ``"year"``, [(key, count)…]) with empty gaps filled."""
    months = {
        k: v
        for k, v in facet_counts(facets.get("month")).items()
        if len(k) == 7 and k[:4].isdigit() and k[5:].isdigit() and 1 <= int(k[5:]) <= 12
    }
    if months:
        keys = sorted(months)
        span = _months_between(keys[0], keys[-1])
        if len(span) <= MAX_BARS:
            return "month", [(k, months.get(k, 0)) for k in span]
        years: dict[str, int] = {}
        for key, count in months.items():
            years[key[:4]] = years.get(key[:4], 0) + count
    else:
        years = {k: v for k, v in facet_counts(facets.get("year")).items() if k.isdigit()}
    if not years:
        return "year", []
    first, last = int(min(years)), int(max(years))
    return "year", [(str(y), years.get(str(y), 0)) for y in range(first, last + 1)]


def _range_of(kind: str, key: str) -> tuple[str, str]:
    if kind == "month":
        year, month = int(key[:4]), int(key[5:7])
        return f"{key}-01", f"{key}-{calendar.monthrange(year, month)[1]:02d}"
    return f"{key}-01-01", f"{key}-12-31"


def _label(kind: str, key: str) -> str:
    return f"{key[5:7]}/{key[:4]}" if kind == "month" else key


def y_ticks(peak: int, most: int = 5) -> list[int]:
    """Round tick values from 0 to at least ``peak`` (1, 2 or 5 times a power of ten apart)."""
    if peak <= 0:
        return [0]
    step = 1
    while True:
        for factor in (1, 2, 5):
            size = step * factor
            if -(-peak // size) + 1 <= most:
                return list(range(0, -(-peak // size) * size + 1, size))
        step *= 10


def render_svg(
    kind: str, bars: list[tuple[str, int]], link: Any = None, title: str = "Timeline"
) -> Markup:
    """The SVG chart of ``bars``; ``link(date_from, date_to)`` gives each bar's href."""
    if not bars or not any(count for _, count in bars):
        return Markup("")
    ticks = y_ticks(max(count for _, count in bars))
    peak = ticks[-1]  # the axis runs to the top tick, a round number
    plot_w = WIDTH - PAD_LEFT - 4
    plot_h = HEIGHT - PAD_BOTTOM - PAD_TOP
    step = plot_w / len(bars)
    bar_w = max(1.0, step * 0.8)
    parts = [
        f'<svg class="timeline-chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" preserveAspectRatio="none" '
        f'aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for tick in ticks:  # y axis: round values with a light grid line each
        y = PAD_TOP + plot_h - plot_h * tick / peak
        parts.append(
            f'<text class="axis tick" x="{PAD_LEFT - 4}" y="{y + 3:.1f}" '
            f'text-anchor="end">{tick}</text>'
            + (
                f'<line class="grid" x1="{PAD_LEFT}" y1="{y:.1f}" x2="{WIDTH - 4}" y2="{y:.1f}"/>'
                if tick
                else ""
            )
        )
    parts.append(
        f'<line class="base" x1="{PAD_LEFT}" y1="{PAD_TOP + plot_h}" x2="{WIDTH - 4}" '
        f'y2="{PAD_TOP + plot_h}"/>'
    )
    label_every = max(1, round(len(bars) / 8))
    for i, (key, count) in enumerate(bars):
        x = PAD_LEFT + i * step + (step - bar_w) / 2
        h = plot_h * count / peak if peak else 0
        y = PAD_TOP + plot_h - h
        label = _label(kind, key)
        # the value shows above the bar on hover (CSS), and as its tooltip
        value_y = max(PAD_TOP + 9, y - 3)
        bar = (
            f'<g class="point"><rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" '
            f'height="{h:.1f}" data-key="{escape(key)}" data-count="{count}">'
            f"<title>{escape(label)}: {count}</title></rect>"
            f'<text class="value" x="{x + bar_w / 2:.1f}" y="{value_y:.1f}" '
            f'text-anchor="middle">{escape(label)}: {count}</text></g>'
        )
        if link is not None and count:
            href = link(*_range_of(kind, key))
            bar = f'<a href="{escape(href)}">{bar}</a>'
        parts.append(bar)
        if kind == "year" or i % label_every == 0 or i == len(bars) - 1:
            if kind == "month" and i % label_every and i == len(bars) - 1:
                continue
            parts.append(
                f'<text class="axis" x="{x + bar_w / 2:.1f}" y="{HEIGHT - 6}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def timeline_svg(facets: Mapping[str, Any], request: Request, title: str = "Timeline") -> Markup:
    """The timeline for a search result's facets; bars link to the search narrowed to them."""
    kind, bars = series(facets)

    def link(date_from: str, date_to: str) -> str:
        return query_url(request, "/", **{"from": date_from, "to": date_to})

    return render_svg(kind, bars, link, title)
