"""Every export format's data package passes ``frictionless validate`` with 0 errors
(the third-party validator analysts use), and a damaged file does not."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.items import Article, Attachment
from indexer.export.datapackage import write_datapackage
from indexer.export.formats import RENDERERS
from indexer.export.request import ExportRequest
from indexer.export.stream import write_export
from indexer.store.archive import ArchiveStore
from indexer.store.rows import WarcRef
from indexer.text import content_hash

frictionless = pytest.importorskip(
    "frictionless", reason="frictionless is a dev tool: pip install -e '.[dev]'"
)
pytest.importorskip("pandas", reason="frictionless reads Parquet through pandas (its extra)")

PUBLISHED = ["2023-03-15", "2021-06-01T09:15:00+07:00", None, "2019-12-31", None]


@pytest.fixture()
def store(tmp_path: Path) -> ArchiveStore:
    """Articles with every shape a field can take: day/minute/no date, attachments or none,
    with and without a WARC capture, quotes, commas, newlines and formula-like text."""
    store = ArchiveStore(f"sqlite:///{tmp_path / 'archive.sqlite'}")
    for n, published in enumerate(PUBLISHED):
        body = f'=SUM(A{n}) "Nội dung", số {n}\n\nđoạn hai\r\nba'
        store.upsert_article(
            Article(
                url=f"https://krongno.example.vn/tin/{n}?a=1&b=2",
                title=f'-Tin {n}, "trích"' if n % 2 else f"Tin {n}",
                portal="krongno",
                published=published,
                category="Tin tức" if n % 2 else None,
                body_text=body,
                content_hash=content_hash(body),
                attachments=[Attachment(f"https://krongno.example.vn/{n}.pdf", "Tờ trình.pdf")]
                if n % 2 == 0
                else [],
            ),
            province="Đắk Nông",
            district="Krông Nô" if n else None,
            warc=WarcRef("warc/krongno/1.warc.gz", 1000 * n, 900, f"<urn:uuid:{n}>")
            if n != 3
            else None,
        )
    return store


def _errors(report) -> list[str]:  # type: ignore[no-untyped-def]
    return [f"{e.type}: {e.message}" for task in report.tasks for e in task.errors] + [
        f"{e.type}: {e.message}" for e in report.errors
    ]


@pytest.mark.parametrize("fmt", list(RENDERERS))
@pytest.mark.parametrize(
    "fields", [None, ("id", "title", "published", "attachments", "places", "topic", "status")]
)
def test_every_format_validates_with_no_error(
    store: ArchiveStore, tmp_path: Path, fmt: str, fields: tuple[str, ...] | None
) -> None:
    target = tmp_path / f"articles.{fmt}"
    request = ExportRequest(excel=fmt == "csv" and fields is None, archive_base="https://a.vn")
    if fields:
        request = ExportRequest(fields=fields, archive_base="https://a.vn")
    with target.open("wb") as handle:
        result = write_export(store, request, fmt, handle)
    descriptor = write_datapackage(result, target)
    report = frictionless.validate(str(descriptor))
    assert _errors(report) == [] and report.valid
    (task,) = report.tasks
    assert task.stats["rows"] == len(PUBLISHED)  # it read every row, not nothing
    types = {
        f["name"]: f["type"]
        for f in json.loads(descriptor.read_text("utf-8"))["resources"][0]["schema"]["fields"]
    }
    assert types["published"] == "datetime" and "published_precision" in types


def test_a_damaged_export_does_not_validate(store: ArchiveStore, tmp_path: Path) -> None:
    target = tmp_path / "articles.csv"
    with target.open("wb") as handle:
        result = write_export(store, ExportRequest(), "csv", handle)
    descriptor = write_datapackage(result, target)
    data = target.read_bytes()
    target.write_bytes(data.replace(b"2023-03-15T00:00:00+07:00", b"15/03/2023 00:00:00+07:00"))
    errors = _errors(frictionless.validate(str(descriptor)))
    assert any(e.startswith("type-error") for e in errors), errors
    assert any(e.startswith(("hash-count", "byte-count")) for e in errors), errors


@pytest.mark.skipif(
    shutil.which("frictionless") is None
    and not Path(sys.executable).with_name("frictionless").exists(),
    reason="no frictionless command",
)
def test_the_frictionless_command_says_valid(store: ArchiveStore, tmp_path: Path) -> None:
    target = tmp_path / "articles.parquet"
    with target.open("wb") as handle:
        result = write_export(store, ExportRequest(), "parquet", handle)
    descriptor = write_datapackage(result, target)
    command = shutil.which("frictionless") or str(Path(sys.executable).with_name("frictionless"))
    proc = subprocess.run(
        [command, "validate", "--json", str(descriptor)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert json.loads(proc.stdout)["valid"] is True
