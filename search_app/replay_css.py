"""CSS of a replayed capture, tokenised as a browser does, with every fetch kept in the archive.

The captured page's CSS is hostile.  A regular expression over the text missed
what a browser's CSS tokenizer sees: escapes (``u\\rl(…)``, ``u\\72l(…)`` are
``url(…)``), comments between tokens, bare strings that load images
(``image-set("…" 1x)``) and ``@import "…"``.  :func:`rewrite_css` tokenises the
CSS with tinycss2 (the CSS Syntax Level 3 algorithm browsers implement, which
decodes escapes), then:

- ``url(…)`` and ``src(…)`` (as tokens or as functions, however spelt) point at
  the archived copy of their target when it was captured, and become ``none``
  otherwise; ``data:image/…`` URLs stay;
- ``@import`` is kept only when its stylesheet was archived (pointing there);
- ``image-set()`` and its kin (``-webkit-image-set``, ``image``, ``cross-fade``,
  ``element``, ``paint``) and the old scripting hooks (``expression()``,
  ``AlphaImageLoader``) are replaced by ``none``;
- comments are dropped, and the rest is serialised back, escaped where needed.

The replay CSP (``search_app.security.REPLAY_CSP``) stays as the second line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urljoin, urlsplit

import tinycss2
from tinycss2 import ast
from tinycss2.serializer import serialize_string_value

AssetLookup = Callable[[str], str | None]
"""Maps an absolute URL to our URL for its archived copy, or None when not archived."""

IMAGE_DATA = re.compile(r"^\s*data:image/(png|gif|jpeg|jpg|webp|bmp);", re.I)
URL_FUNCTIONS = frozenset({"url", "src"})
# Functions that fetch something through bare strings, or that ran script in old browsers.
DROPPED_FUNCTIONS = frozenset(
    {
        "image-set",
        "-webkit-image-set",
        "-moz-image-set",
        "image",
        "cross-fade",
        "-webkit-cross-fade",
        "element",
        "-moz-element",
        "paint",
        "expression",
    }
)
DROPPED_DECLARATIONS = frozenset({"behavior", "-moz-binding"})
MAX_CSS_CHARS = 4_000_000  # larger CSS is not worth sanitising: nothing is kept


def absolute_http(base: str, value: str) -> str | None:
    """``value`` resolved against ``base`` when it is an http(s) URL; else None."""
    value = (value or "").strip()
    if not value or value.startswith("#"):
        return None
    try:
        url = urljoin(base, value)
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    return url if scheme in ("http", "https") else None


def _none(node: ast.Node) -> ast.IdentToken:
    return ast.IdentToken(node.source_line, node.source_column, "none")


def _url_token(node: ast.Node, target: str) -> ast.URLToken:
    quoted = f'url("{serialize_string_value(target)}")'
    return ast.URLToken(node.source_line, node.source_column, target, quoted)


def _function_url(node: ast.FunctionBlock) -> str | None:
    """The URL a ``url("…")``/``src("…")`` function names (its one string argument)."""
    args = [a for a in node.arguments if a.type not in ("whitespace", "comment")]
    if args and args[0].type == "string":
        return args[0].value
    if args and args[0].type == "url":
        return args[0].value
    return None


class _Rewriter:
    """Walks the component values of one stylesheet or style attribute."""

    def __init__(self, base: str, lookup: AssetLookup) -> None:
        self.base = base
        self.lookup = lookup

    def archived(self, raw: str | None) -> str | None:
        url = absolute_http(self.base, raw or "")
        return self.lookup(url) if url else None

    def url_node(self, node: ast.Node, raw: str | None) -> ast.Node:
        if raw is not None and IMAGE_DATA.match(raw):
            return node  # an inline image: nothing is fetched
        target = self.archived(raw)
        return _url_token(node, target) if target else _none(node)

    def nodes(self, nodes: list[ast.Node]) -> list[ast.Node]:
        out: list[ast.Node] = []
        i = 0
        while i < len(nodes):
            node = nodes[i]
            kind = node.type
            if kind == "comment":
                pass
            elif kind == "at-keyword" and node.lower_value == "import":
                end = i
                while end < len(nodes) and not (
                    nodes[end].type == "literal" and nodes[end].value == ";"
                ):
                    end += 1
                out.extend(self.import_rule(node, nodes[i + 1 : end]))
                i = end + 1
                continue
            elif kind == "ident" and node.lower_value in DROPPED_DECLARATIONS:
                # `behavior: …;` / `-moz-binding: …;` go whole, up to the next ; or the end
                while i < len(nodes) and not (nodes[i].type == "literal" and nodes[i].value == ";"):
                    i += 1
            elif kind == "url":
                out.append(self.url_node(node, node.value))
            elif kind == "function":
                name = node.lower_name
                if name in URL_FUNCTIONS:
                    out.append(self.url_node(node, _function_url(node)))
                elif name in DROPPED_FUNCTIONS or "alphaimageloader" in name:
                    out.append(_none(node))
                else:
                    node.arguments = self.nodes(node.arguments)
                    out.append(node)
            elif kind in ("() block", "[] block", "{} block"):
                node.content = self.nodes(node.content)
                out.append(node)
            elif kind == "error":
                pass  # what a browser drops too (a bad string or url)
            else:
                out.append(node)
            i += 1
        return out

    def import_rule(self, at: ast.Node, prelude: list[ast.Node]) -> list[ast.Node]:
        """``@import`` of an archived stylesheet, pointing at the archive; else nothing."""
        meaningful = [n for n in prelude if n.type not in ("whitespace", "comment")]
        if not meaningful:
            return []
        first = meaningful[0]
        if first.type in ("string", "url"):
            raw = first.value
        elif first.type == "function" and first.lower_name in URL_FUNCTIONS:
            raw = _function_url(first)
        else:
            return []
        target = self.archived(raw)
        if not target:
            return []
        rest = self.nodes(prelude[prelude.index(first) + 1 :])
        semicolon = ast.LiteralToken(at.source_line, at.source_column, ";")
        space = ast.WhitespaceToken(at.source_line, at.source_column, " ")
        return [at, space, _url_token(first, target), *rest, semicolon]


def rewrite_css(css: str, base: str, lookup: AssetLookup) -> str:
    """CSS (a stylesheet or a style attribute) whose only fetches go to archived copies."""
    if len(css) > MAX_CSS_CHARS:
        return ""
    nodes = tinycss2.parse_component_value_list(css, skip_comments=True)
    return tinycss2.serialize(_Rewriter(base, lookup).nodes(nodes))
