"""The ``vnarchive`` command: a click group whose sub-commands load lazily.

Each command group lives in its own module under ``vnarchive/commands/``;
``COMMANDS`` maps the sub-command name to ``module:attribute`` and its one-line
help, so ``vnarchive --help`` stays fast (no Scrapy/Whoosh import to list them).
"""

from __future__ import annotations

import importlib
import importlib.util

import click

from vnarchive import __version__

# name -> (import path, one-line help shown by `vnarchive --help`)
COMMANDS: dict[str, tuple[str, str]] = {
    "samples": (
        "vnarchive.commands.samples:samples",
        "Serve or regenerate the bundled sample portals.",
    ),
    "portals": ("vnarchive.commands.portals:portals", "List and validate portal profiles."),
    "extract": (
        "vnarchive.commands.extract:extract",
        "Extract the fields of one page (file or URL) as JSON.",
    ),
    "crawl": ("vnarchive.commands.crawl:crawl", "Crawl a portal (or all) into the archive."),
    "import": (
        "vnarchive.commands.importing:import_command",
        "Import WARC/WACZ captures made by other tools.",
    ),
    "warc": ("vnarchive.commands.warc:warc", "Show archived WARC captures."),
    "places": (
        "vnarchive.commands.places:places",
        "Places articles name, old → new (refresh for archived articles).",
    ),
    "index": ("vnarchive.commands.index:index", "Update the search index from the archive."),
    "search": ("vnarchive.commands.search:search", "Search the archive from the command line."),
    "export": ("vnarchive.commands.export:export", "Export articles as CSV, JSONL or Parquet."),
    "cite": ("vnarchive.commands.cite:cite", "Cite an archived article (APA, Chicago, BibTeX)."),
    "serve": (
        "vnarchive.commands.serve:serve",
        "Start the web app (search, articles, API, admin).",
    ),
    "scheduler": ("vnarchive.commands.scheduler:scheduler", "Run scheduled crawls (long-running)."),
    "schedule": ("vnarchive.commands.scheduler:schedule", "Set, list or turn off crawl schedules."),
    "jobs": ("vnarchive.commands.jobs:jobs", "List or cancel crawl jobs."),
    "status": (
        "vnarchive.commands.jobs:status",
        "Show each portal's health, last crawl and next run.",
    ),
    "users": ("vnarchive.commands.users:users", "Manage admin users."),
}


class LazyGroup(click.Group):
    """A click group that imports a sub-command only when it is run."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name in COMMANDS if self._available(name))

    @staticmethod
    def _available(name: str) -> bool:
        module = COMMANDS[name][0].split(":")[0]
        return importlib.util.find_spec(module) is not None

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS or not self._available(cmd_name):
            return None
        module_name, attr = COMMANDS[cmd_name][0].split(":")
        return getattr(importlib.import_module(module_name), attr)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="vnarchive")
def main() -> None:
    """vnarchive: crawl, archive and search Vietnamese local-government portals.

    Run-time data goes to $VNARCHIVE_DATA (default: data/ in the repository).
    """


if __name__ == "__main__":
    main()
