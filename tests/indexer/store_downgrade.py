"""Turn a fresh archive store back into one of an older schema version (for migration tests).

Undoes ``indexer.store.migrations.MIGRATIONS`` from the newest down to ``version``: the columns they
added are dropped and the indexes they created removed, and ``schema_version`` is set, so a
test can check that opening the store migrates it forward and keeps its rows.
"""

from __future__ import annotations

import re

from indexer.store.archive import ArchiveStore
from indexer.store.migrations import MIGRATIONS
from indexer.store.tables import SCHEMA_VERSION

_ADD = re.compile(r"ALTER TABLE (\w+) ADD COLUMN (\w+)", re.I)
_INDEX = re.compile(r"CREATE INDEX (\w+)", re.I)


def downgrade_store(store: ArchiveStore, version: int) -> None:
    """Make ``store`` look as a schema-``version`` store did (SQLite)."""
    with store.writer.begin() as conn:
        for step in range(SCHEMA_VERSION - 1, version - 1, -1):
            for statement in reversed(MIGRATIONS.get(step, [])):
                if match := _INDEX.match(statement):
                    conn.exec_driver_sql(f"DROP INDEX {match.group(1)}")
                elif match := _ADD.match(statement):
                    conn.exec_driver_sql(
                        f"ALTER TABLE {match.group(1)} DROP COLUMN {match.group(2)}"
                    )
        conn.exec_driver_sql(
            f"UPDATE meta SET value = '{int(version)}' WHERE key = 'schema_version'"
        )
    store.engine.dispose()
