"""The list of archived portals with their counts, date span and last crawl."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa

from indexer.search.placeindex import article_places
from indexer.store.tables import articles
from indexer.text.places import portal_unit
from search_app.context import AppContext
from search_app.i18n import add_strings
from search_app.templating import templates

add_strings(
    {
        "now_unit": {"vi": "Sau 1/7/2025", "en": "Since 1 July 2025"},
        "uncertain": {"vi": "chưa chắc chắn", "en": "uncertain"},
        "change_unchanged": {"vi": "giữ nguyên", "en": "unchanged"},
        "change_renamed": {"vi": "đổi tên", "en": "renamed"},
        "change_merged": {"vi": "sáp nhập", "en": "merged"},
        "change_split": {"vi": "chia tách", "en": "split"},
        "topic": {"vi": "Chủ đề", "en": "Topic"},
        "place": {"vi": "Địa danh", "en": "Place"},
        "place_hint": {"vi": "tên cũ hoặc mới", "en": "old or new name"},
        "place_matched": {"vi": "Khớp địa danh:", "en": "Place matched:"},
        "matched_old": {"vi": "tên cũ", "en": "old name"},
        "matched_new": {"vi": "tên mới", "en": "new name"},
        "matched_both": {"vi": "tên cũ và mới", "en": "old and new name"},
        "matched_portal": {"vi": "địa bàn của cổng", "en": "the portal's own unit"},
        "places": {
            "vi": "Địa danh (trước → sau 1/7/2025)",
            "en": "Places (before → since 1 July 2025)",
        },
    }
)
# the article page lists the places an article names (computed for articles archived before)
templates.env.globals["article_places"] = article_places


def portal_rows(ctx: AppContext) -> list[dict[str, Any]]:
    """Every portal of the archive, sorted by province then portal, ready for page and API."""
    stats = {row["portal"]: row for row in ctx.store.portal_stats()}
    with ctx.store.engine.connect() as conn:
        places = {
            row.portal: (row.province, row.district)
            for row in conn.execute(
                sa.select(
                    articles.c.portal,
                    sa.func.max(articles.c.province).label("province"),
                    sa.func.max(articles.c.district).label("district"),
                ).group_by(articles.c.portal)
            )
        }
    rows = []
    for portal, stat in stats.items():
        province, district = places.get(portal, (None, None))
        last = stat.get("last_crawl")
        rows.append(
            {
                "portal": portal,
                "province": province,
                "district": district,
                "now": portal_unit(province, district),
                "articles": int(stat.get("articles") or 0),
                "first_published": stat.get("first_published"),
                "last_published": stat.get("last_published"),
                "last_crawl": last.isoformat() if isinstance(last, datetime) else last,
                "search_url": "/?" + urlencode({"portal": portal, "sort": "newest"}),
            }
        )
    rows.sort(key=lambda r: (r["province"] or "", r["portal"]))
    return rows
