"""Whoosh's segment files read in place (indexer.search.whoosh_files): a file opened from a
compound segment is not copied, and reads the same bytes and pickles as before."""

from __future__ import annotations

import pickle

import pytest
from archive_helpers import build_archive
from whoosh import index as whoosh_index
from whoosh.filedb.structfile import BufferFile

from indexer.search.params import SearchParams
from indexer.search.query import search
from indexer.search.whoosh_files import ViewFile


def test_view_file_reads_seeks_and_lines_like_a_file() -> None:
    data = b"first line\nsecond\n" + pickle.dumps({"a": [1, 2]}, 2) + b"tail"
    view = ViewFile(memoryview(bytearray(data)))
    assert view.read(5) == b"first" and view.tell() == 5
    assert view.readline() == b" line\n"
    assert list(ViewFile(data)) == [b"first line\n", b"second\n", data[18:]]
    view.seek(18)
    assert pickle.load(view) == {"a": [1, 2]}
    assert view.read() == b"tail" and view.read(3) == b""
    view.seek(-4, 2)
    assert view.read(2) == b"ta"
    view.seek(1, 1)
    assert view.read() == b"l"
    buf = bytearray(3)
    view.seek(0)
    assert view.readinto(buf) == 3 and bytes(buf) == b"fir"
    with pytest.raises(OSError, match="cannot be written"):
        view.write(b"x")
    with pytest.raises(ValueError, match="negative"):
        view.seek(-1)


def test_segment_files_are_views_of_the_map_not_copies(tmp_path) -> None:
    docs = [
        {
            "url": f"https://p.example.vn/{i}",
            "portal": "p",
            "title": f"Tin {i}",
            "body_text": "Hội nghị tổng kết công tác năm " * 20,
        }
        for i in range(30)
    ]
    _store, index_dir, _ids = build_archive(tmp_path, docs)
    ix = whoosh_index.open_dir(str(index_dir))
    (segment,) = ix._read_toc().segments
    files = segment.open_compound_file(ix.storage)
    opened = [files.open_file(name) for name in files.list()]
    assert opened and all(isinstance(f, BufferFile) for f in opened)
    for f in opened:
        assert isinstance(f.file, ViewFile)
        whole = f.read()
        assert whole == bytes(f._buf)  # the same bytes, read through the view
        f.seek(0)
        assert f.read(4) == whole[:4]
    result = search(SearchParams(q="tổng kết"), index_dir)
    assert result["total"] == 30
