"""The indexer tests' archive helpers (``build_archive``, ``load_docs``, ``make_article``).

They live in this directory's ``conftest.py``; ``from conftest import …`` picks
whichever ``conftest`` module pytest imported last, which is another directory's
when ``tests/indexer`` runs together with ``tests/search_app``.  Importing them
from here always gets this directory's.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_NAME = "tests_indexer_conftest"
if _NAME not in sys.modules:
    _spec = importlib.util.spec_from_file_location(_NAME, Path(__file__).with_name("conftest.py"))
    assert _spec is not None and _spec.loader is not None
    _module = importlib.util.module_from_spec(_spec)
    sys.modules[_NAME] = _module
    _spec.loader.exec_module(_module)
_conftest = sys.modules[_NAME]

build_archive = _conftest.build_archive
load_docs = _conftest.load_docs
make_article = _conftest.make_article

__all__ = ["build_archive", "load_docs", "make_article"]
