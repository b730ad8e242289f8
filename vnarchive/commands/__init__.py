"""One module per command group of the ``vnarchive`` command."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click

F = TypeVar("F", bound=Callable[..., object])


def filter_options(func: F) -> F:
    """The search filters shared by ``search`` and ``export``: portal, place, category, dates."""
    options = [
        click.option("--portal", help="Only this portal (id)."),
        click.option("--province", help="Only this province (with or without diacritics)."),
        click.option("--category", help="Only this category (with or without diacritics)."),
        click.option(
            "--from",
            "date_from",
            metavar="DATE",
            help="Published on or after (YYYY-MM-DD, YYYY-MM, YYYY or dd/mm/yyyy).",
        ),
        click.option(
            "--to", "date_to", metavar="DATE", help="Published on or before (same shapes)."
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def exact_accents_option(func: F) -> F:
    """``--exact-accents``: only words with exactly the typed diacritics match (search, export)."""
    return click.option(
        "--exact-accents",
        "exact_accents",
        is_flag=True,
        help="Only words with exactly the typed diacritics match (tuyên, not tuyển or tuyen).",
    )(func)


def check_portal_filter(portal: str | None) -> None:
    """Refuse a ``--portal`` id that is neither archived nor profiled (a typo), naming the known.

    A portal with a profile but nothing archived yet is accepted (it simply matches nothing).
    """
    if not portal:
        return
    from crawler.profiles import ProfileError, load_profiles
    from indexer.store.archive import ArchiveStore

    archived = set(ArchiveStore().distinct_values("portal"))
    if portal in archived:
        return
    try:
        profiled = {profile.id for profile in load_profiles()}
    except ProfileError:  # a broken profile is `portals check`'s business, not a filter's
        profiled = set()
    if portal in profiled:
        return
    known = ", ".join(sorted(archived | profiled)) or "none"
    raise click.BadParameter(
        f"no portal {portal!r} in the archive or the profiles (known: {known})",
        param_hint="'--portal'",
    )
