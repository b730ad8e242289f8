"""Find the administrative units a text names: ``xã Nam Bình``, ``TT. Đắk Mâm``, ``H. Krông Nô``.

A mention is a unit word (``tỉnh``, ``thành phố``/``TP.``, ``huyện``/``H.``, ``quận``,
``thị xã``/``TX.``, ``thị trấn``/``TT.``, ``xã``, ``phường``, ``đặc khu``, and the
bodies named after them: ``Huyện ủy``, ``Tỉnh đoàn``…) followed by capitalised words; the
longest run of them the gazetteer knows in the context is the name.  Enumerations
(``các xã Nam Đà, Đắk Sôr và Buôn Choáh``) and chains (``xã Nam Bình, huyện Đắk Song,
tỉnh Đắk Nông``) are read too: a chain gives its communes their district and province.

Context, nearest first: the chain a name sits in, the portal's own district and
province, then the provinces and districts the article names elsewhere.  Only units the
gazetteer knows in that context are kept, so ``xã hội`` or ``P. Giám đốc`` never count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.text import normalize
from indexer.text.places.gazetteer import District, Gazetteer, gazetteer, name_key, split_type
from indexer.text.places.resolve import (
    Context,
    Place,
    resolve_commune,
    resolve_district,
    resolve_province,
)

__all__ = ["Mention", "find_mentions", "find_places_in"]

MAX_TEXT = 200_000  # crawled text is hostile: bound what is scanned
MAX_NAME_WORDS = 5

# unit word (lowercase, as read) -> (level, type); level "any" = province or district
_UNIT_WORDS: dict[str, tuple[str, str]] = {
    "thành phố": ("any", "thành phố"),
    "tp.": ("any", "thành phố"),
    "t.p.": ("any", "thành phố"),
    "tp": ("any", "thành phố"),
    "thành ủy": ("any", "thành phố"),
    "thành đoàn": ("any", "thành phố"),
    "tỉnh": ("province", "tỉnh"),
    "tỉnh ủy": ("province", "tỉnh"),
    "tỉnh đoàn": ("province", "tỉnh"),
    "huyện": ("district", "huyện"),
    "h.": ("district", "huyện"),
    "huyện ủy": ("district", "huyện"),
    "huyện đoàn": ("district", "huyện"),
    "quận": ("district", "quận"),
    "q.": ("district", "quận"),
    "thị xã": ("district", "thị xã"),
    "tx.": ("district", "thị xã"),
    "t.x.": ("district", "thị xã"),
    "thị ủy": ("district", "thị xã"),
    "thị đoàn": ("district", "thị xã"),
    "thị trấn": ("commune", "thị trấn"),
    "tt.": ("commune", "thị trấn"),
    "t.t.": ("commune", "thị trấn"),
    "xã": ("commune", "xã"),
    "x.": ("commune", "xã"),
    "phường": ("commune", "phường"),
    "p.": ("commune", "phường"),
    "đặc khu": ("commune", "đặc khu"),
}
# abbreviations are read only in capitals and only for names known near the portal
_ABBREVIATIONS = {"h.", "q.", "x.", "p.", "tp", "tp.", "t.p.", "tx.", "t.x.", "tt.", "t.t."}
_UNIT_RE = re.compile(
    r"(?<![\w.])("
    + "|".join(re.escape(w) for w in sorted(_UNIT_WORDS, key=len, reverse=True))
    + r")(?=[\s\w])",
    re.IGNORECASE,
)
_WORD_RE = re.compile(r"[^\W_][\w'’]*(?:-[^\W_][\w'’]*)*")
_GAP_RE = re.compile(r"[ \t\u00a0]{0,3}")
_LIST_SEP_RE = re.compile(r"\s*(?:,|;|và|cùng|với|\bvà\b)\s*", re.IGNORECASE)
_CHAIN_SEP_RE = re.compile(r"\s*[,\-–]?\s*")
_LEVEL_RANK = {"commune": 0, "district": 1, "any": 1, "province": 2}
# "các huyện, thị xã gồm A, B", "các tỉnh lân cận như A, B", "các xã: A, B": a list whose
# unit word stands up to eight words before it in the same clause ("các huyện trọng điểm về
# sản xuất cà phê như A, B")
_PLURAL_RE = re.compile(
    r"(?i)(?<!\w)(?:các|những)\s+(tỉnh|huyện|quận|thị xã|xã|phường|thị trấn)"
    r"(?:\s*,\s*(?:huyện|quận|thị xã|thành phố|xã|phường|thị trấn))*"
    r"(?:\s*:\s*|\s+(?:[^\W\d_]\w*\s+){0,8}?(?:gồm|như|là)\s*:?\s*)"
)


@dataclass
class Mention:
    """A unit word and the capitalised words after it (before resolving)."""

    start: int
    end: int  # end of the unit word
    word: str  # the unit word as written
    level: str
    unit_type: str
    names: list[tuple[str, int]]  # (name, end offset) for 1..n words, shortest first
    in_list: bool = False


def _name_candidates(text: str, pos: int, allow_digits: bool) -> list[tuple[str, int]]:
    """Word runs starting at ``pos`` with a capital: [(name, end)], one word, two words…

    After a capitalised first word, words in lowercase may follow (portals write
    ``xã Nam đà``); the longest run the gazetteer knows wins, so ``huyện Krông Nô tổ chức``
    still reads ``Krông Nô``.
    """
    out: list[tuple[str, int]] = []
    words: list[str] = []
    lower = 0
    i = pos
    while len(words) < MAX_NAME_WORDS:
        gap = _GAP_RE.match(text, i)
        j = gap.end() if gap else i
        if words and text[j : j + 1] in ("-", "–"):  # "Bà Rịa - Vũng Tàu"
            k = _GAP_RE.match(text, j + 1)
            j = k.end() if k else j + 1
        elif words and j == i:
            break
        m = _WORD_RE.match(text, j)
        if not m:
            break
        word = m.group(0)
        capital = word[0].isupper() or (allow_digits and word.isdigit() and not words)
        if not capital:
            if not words or lower >= 2 or len(words) >= 3:
                break
            lower += 1
        words.append(word)
        i = m.end()
        out.append((" ".join(words).replace(" - ", "-"), i))
    return out


def _capitalised(name: str) -> bool:
    return all(w[0].isupper() or w[0].isdigit() for w in name.replace("-", " ").split())


def find_mentions(text: str) -> list[Mention]:
    """Every unit word followed by capitalised words, in order."""
    out: list[Mention] = []
    for m in _UNIT_RE.finditer(text):
        word = m.group(1)
        lower = normalize(word.lower()).replace("uỷ", "ủy")
        info = _UNIT_WORDS.get(lower)
        if info is None:
            continue
        if lower in _ABBREVIATIONS and not word[0].isupper():
            continue
        level, unit_type = info
        after = m.end()
        if lower.endswith(".") is False and after < len(text) and not text[after].isspace():
            continue  # "xãhội": not a unit word
        names = _name_candidates(text, after, allow_digits=unit_type in ("phường", "quận"))
        if names:
            out.append(Mention(m.start(), after, word, level, unit_type, names))
    for m in _PLURAL_RE.finditer(text):
        word = m.group(1)
        level, unit_type = _UNIT_WORDS[normalize(word.lower())]
        names = _name_candidates(text, m.end(), allow_digits=False)
        if names and not any(x.start <= m.end() < x.names[-1][1] for x in out):
            out.append(Mention(m.end(), m.end(), word, level, unit_type, names, in_list=True))
    out.sort(key=lambda x: x.start)
    return out


def _resolve(
    mention: Mention, ctx: Context, gaz: Gazetteer
) -> tuple[Place | None, int, District | None, str | None]:
    """The longest name the gazetteer knows: (place, end, district, province key)."""
    abbreviated = mention.word.lower() in _ABBREVIATIONS
    capitalised = [n for n, _ in mention.names if _capitalised(n)]
    longest = capitalised[-1] if capitalised else ""
    for name, end in reversed(mention.names):
        # a name unique in the country is taken out of context only when written whole
        far = name == longest and not mention.in_list and not abbreviated
        written = f"{mention.word} {name}"
        if mention.level in ("province", "any"):
            place = resolve_province(name, written, gaz)
            if place is not None and not (abbreviated and mention.level == "province"):
                keys = gaz.province_by_name.get(name_key(name), [])
                if mention.level == "any":
                    # "thành phố X": a district-level city in context wins over a province
                    dplace, dist = resolve_district(
                        name, mention.unit_type, written, ctx, gaz, far=far
                    )
                    if dplace is not None and dist is not None and not keys:
                        return dplace, end, dist, dist.province_key
                return place, end, None, keys[0] if keys else None
        if mention.level in ("district", "any"):
            dctx = ctx if not abbreviated else Context(ctx.provinces[:1], [], ctx.published)
            dplace, dist = resolve_district(name, mention.unit_type, written, dctx, gaz, far=far)
            if dplace is not None and dist is not None:
                return dplace, end, dist, dist.province_key
        if mention.level == "commune":
            cctx = ctx if not abbreviated else Context(ctx.provinces[:1], ctx.districts[:1])
            place = resolve_commune(name, mention.unit_type, written, cctx, gaz)
            if place is not None:
                return place, end, None, None
    return None, mention.end, None, None


def _chains(mentions: list[Mention], text: str) -> list[list[Mention]]:
    """Runs of mentions going up the levels with only a comma or a dash between them."""
    chains: list[list[Mention]] = []
    for m in mentions:
        if chains:
            prev = chains[-1][-1]
            gap_start = prev.names[-1][1] if prev.names else prev.end
            # the previous mention's name may be shorter than its longest run: allow it
            between = text[prev.end : m.start]
            if (
                _LEVEL_RANK[m.level] > _LEVEL_RANK[prev.level]
                and m.start - gap_start <= 3
                and _CHAIN_SEP_RE.fullmatch(text[gap_start : m.start]) is not None
            ) or (
                _LEVEL_RANK[m.level] > _LEVEL_RANK[prev.level]
                and len(between) <= 60
                and "\n" not in between
                and _CHAIN_SEP_RE.fullmatch(between[len(between.rstrip(" ,-–")) :]) is not None
                and between.rstrip(" ,-–").strip() in {n for n, _ in prev.names}
            ):
                chains[-1].append(m)
                continue
        chains.append([m])
    return chains


def find_places_in(
    text: str,
    *,
    province: str | None = None,
    district: str | None = None,
    published: str | None = None,
    gaz: Gazetteer | None = None,
) -> list[Place]:
    """The places ``text`` names, one per mention, resolved in the portal's context."""
    gaz = gaz or gazetteer()
    text = text[:MAX_TEXT]
    base = Context(published=published)
    if province:
        pplace = resolve_province(province, province, gaz)
        keys = gaz.province_by_name.get(name_key(split_type(province)[1]), [])
        if pplace is not None and keys:
            base.provinces.append(keys[0])
    if district and base.provinces:
        dtype, dname = split_type(district)
        _, dist = resolve_district(dname, dtype, district, base, gaz)
        if dist is not None:
            base.districts.append(dist)
    mentions = find_mentions(text)
    chains = _chains(mentions, text)
    # pass 0: the provinces the article names, then provinces and districts, top of each
    # chain first, to learn the article's context
    found: dict[int, tuple[Place, int]] = {}
    named_provinces: list[str] = []
    for m in mentions:
        if m.level == "province":
            place, _, _, pkey = _resolve(m, base, gaz)
            if place is not None and pkey and pkey not in named_provinces:
                named_provinces.append(pkey)
    named_districts: list[District] = []
    chain_ctx: dict[int, Context] = {}
    for chain in chains:
        ctx = Context(list(base.provinces), list(base.districts), published)
        ctx.provinces += [p for p in named_provinces if p not in ctx.provinces]
        for m in reversed(chain):
            if m.level == "commune":
                continue
            place, end, dist, pkey = _resolve(m, ctx, gaz)
            if place is None:
                continue
            found[id(m)] = (place, end)
            if pkey and pkey not in ctx.provinces:
                ctx.provinces.insert(0, pkey)
            if pkey and pkey not in named_provinces:
                named_provinces.append(pkey)
            if dist is not None:
                ctx.districts.insert(0, dist)
                named_districts.append(dist)
        for m in chain:
            chain_ctx[id(m)] = ctx
    # pass 2: communes, in their chain, then the portal's, then the article's context
    for chain in chains:
        for m in chain:
            if m.level != "commune":
                continue
            ctx = chain_ctx[id(m)]
            full = Context(
                ctx.provinces + [p for p in named_provinces if p not in ctx.provinces],
                ctx.districts + [d for d in named_districts if d not in ctx.districts],
                published,
            )
            place, end, _, _ = _resolve(m, full, gaz)
            if place is not None:
                found[id(m)] = (place, end)
    # enumerations after a resolved mention: "các xã A, B và C"
    out: list[Place] = []
    for m in mentions:
        hit = found.get(id(m))
        if hit is None:
            continue
        place, end = hit
        out.append(place)
        if place.level in ("province", "district", "commune"):
            out.extend(_enumeration(text, end, m, chain_ctx.get(id(m), base), named_provinces, gaz))
    return out


def _agrees(first: Mention, place: Place) -> bool:
    """Whether a unit read in a list can be governed by the list's unit word.

    ``thành phố`` names a city: a unit of another type after it (``Thành phố Hồ Chí Minh,
    Bà Rịa – Vũng Tàu``, a tỉnh) is not in its list.  Other unit words govern lists of
    mixed types (``các huyện, thị xã gồm …``) and are not checked.
    """
    if first.unit_type != "thành phố" or first.in_list:
        return True
    return split_type(place.old or place.new)[0] == "thành phố"


def _enumeration(
    text: str,
    pos: int,
    first: Mention,
    ctx: Context,
    named_provinces: list[str],
    gaz: Gazetteer,
) -> list[Place]:
    out: list[Place] = []
    full = Context(
        ctx.provinces + [p for p in named_provinces if p not in ctx.provinces],
        list(ctx.districts),
        ctx.published,
    )
    misses = 0
    for _ in range(30):
        sep = _LIST_SEP_RE.match(text, pos)
        if not sep or sep.end() == pos:
            break
        nxt = sep.end()
        if _UNIT_RE.match(text, nxt):
            break  # the next one has its own unit word
        names = _name_candidates(text, nxt, allow_digits=first.unit_type in ("phường", "quận"))
        if not names:
            break
        m = Mention(nxt, nxt, first.word, first.level, first.unit_type, names, in_list=True)
        place, end, _, _ = _resolve(m, full, gaz)
        if place is not None and not _agrees(first, place):
            break  # "Thành phố Hồ Chí Minh, Bà Rịa – Vũng Tàu": a city's word lists no tỉnh
        if place is None or place.level != ("commune" if first.level == "commune" else place.level):
            misses += 1
            if misses > 1 or sep.group(0).strip().lower() in ("và", "cùng", "với"):
                break
            pos = names[-1][1]  # a name misspelt ("Chư Jút"): the list may go on
            continue
        misses = 0
        place.as_written = f"{first.word} {text[nxt:end]}"
        out.append(place)
        pos = end
    return out
