"""Exports stream: exporting 20,000 articles takes no more memory than exporting 2,000.

Each export runs in its own subprocess, which reports how far its peak RSS rose
above the RSS it had just before the export (interpreter, pyarrow and SQLAlchemy
loaded).  Were rows kept until the end, 18,000 more articles of ~3,000 characters
would add well over 100 MB; a streamed export adds about one batch (one row
group for Parquet) whatever the row count.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from indexer.store.archive import ArchiveStore
from indexer.store.rows import article_id_for
from indexer.store.tables import articles, attachments

ROOT = Path(__file__).resolve().parents[3]
SMALL, LARGE = 2_000, 20_000
ALLOWED_GROWTH_MB = 40  # ~a tenth of what keeping the extra 18,000 rows would cost

SENTENCES = [
    "Ủy ban nhân dân huyện Krông Nô tổ chức hội nghị tổng kết công tác năm 2024.",
    "Đồng chí Chủ tịch UBND huyện phát biểu chỉ đạo, đề nghị các xã đẩy nhanh tiến độ.",
    "Người dân phấn khởi khi con đường liên xã được đưa vào sử dụng, đi lại thuận tiện hơn.",
    "Kế hoạch số 125/KH-UBND về việc triển khai chuyển đổi số trên địa bàn huyện.",
    "Theo báo cáo, toàn huyện đã giải ngân được 85% kế hoạch vốn đầu tư công được giao.",
    "Hội Liên hiệp Phụ nữ xã trao 20 suất quà cho hộ nghèo nhân dịp Tết Nguyên đán.",
    'Ông Nguyễn Văn A cho biết: "Năm nay mùa màng bội thu, giá cà phê tăng cao".',
    "Lực lượng công an, quân sự phối hợp tuần tra, bảo đảm an ninh trật tự dịp lễ hội.",
]

CHILD = """
import json, resource, sys
from indexer.export.request import ExportRequest
from indexer.export.stream import write_export
from indexer.store.archive import ArchiveStore
store = ArchiveStore(sys.argv[1])
fmt = sys.argv[3]
with open("/proc/self/statm") as statm:  # the RSS now (ru_maxrss is a high-water mark)
    base = int(statm.read().split()[1]) * resource.getpagesize() // 1024
with open(sys.argv[2], "wb") as handle:
    result = write_export(store, ExportRequest(excel=fmt == "csv"), fmt, handle)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"rows": result.rows, "bytes": result.bytes, "growth_kb": peak - base}))
"""


def _fill(db_url: str, rows: int) -> None:
    """A store of ``rows`` articles of ~3,000 characters, inserted with bulk SQL."""
    store = ArchiveStore(db_url)
    rng = random.Random(rows)
    seen = datetime(2025, 6, 1, tzinfo=UTC)
    for first in range(0, rows, 2000):
        batch, files = [], []
        for n in range(first, min(first + 2000, rows)):
            url = f"https://krongno.daknong.gov.vn/tin/{n}"
            body = "\n\n".join(" ".join(rng.choices(SENTENCES, k=7)) for _ in range(5))
            day = datetime(2015, 1, 1) + timedelta(days=n % 3650)
            batch.append(
                {
                    "id": article_id_for(url),
                    "portal": "krongno",
                    "url": url,
                    "canonical_url": url,
                    "province": "Đắk Nông",
                    "district": "Krông Nô",
                    "title": rng.choice(SENTENCES),
                    "published": day.strftime("%Y-%m-%dT08:00:00+07:00" if n % 2 else "%Y-%m-%d"),
                    "category": "Tin tức",
                    "summary": rng.choice(SENTENCES),
                    "body_text": body,
                    "content_hash": f"{n:064x}",
                    "first_seen": seen,
                    "last_seen": seen,
                    "last_changed": seen,
                    "warc_file": "krongno/a.warc.gz",
                    "warc_offset": n * 4096,
                    "seq": n + 1,
                }
            )
            if n % 4 == 0:
                files.append({"article_id": batch[-1]["id"], "url": url + ".pdf", "name": "QĐ.pdf"})
        with store.writer.begin() as conn:
            conn.execute(articles.insert(), batch)
            conn.execute(attachments.insert(), files)


@pytest.fixture(scope="module")
def archives(tmp_path_factory: pytest.TempPathFactory) -> dict[int, str]:
    root = tmp_path_factory.mktemp("export-memory")
    urls = {}
    for rows in (SMALL, LARGE):
        urls[rows] = f"sqlite:///{root / f'archive-{rows}.sqlite'}"
        _fill(urls[rows], rows)
    return urls


def _export(db_url: str, fmt: str, out: Path) -> dict[str, int]:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, db_url, str(out), fmt],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_peak_memory_does_not_grow_with_row_count(
    archives: dict[int, str], fmt: str, tmp_path: Path
) -> None:
    small = _export(archives[SMALL], fmt, tmp_path / f"small.{fmt}")
    large = _export(archives[LARGE], fmt, tmp_path / f"large.{fmt}")
    assert (small["rows"], large["rows"]) == (SMALL, LARGE)
    assert large["bytes"] > 8 * small["bytes"]  # ten times the data really went through
    growth_mb = (large["growth_kb"] - small["growth_kb"]) / 1024
    assert growth_mb < ALLOWED_GROWTH_MB, (
        f"{fmt}: peak RSS rose {large['growth_kb'] / 1024:.1f} MB for {LARGE} rows "
        f"vs {small['growth_kb'] / 1024:.1f} MB for {SMALL}"
    )
