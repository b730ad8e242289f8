"""The end of an article's text: the byline, credits and signature split off its last paragraphs."""

from __future__ import annotations

import re

_CREDIT = re.compile(r"^(?:theo|nguồn)\b\s*[:\-–]?\s*(?P<src>[^,;]{2,80})$", re.I)


# A closing line naming an office or a paper (a source, not a person).
_ORG_CREDIT = re.compile(
    r"^(?:văn phòng|phòng|ban|ủy ban|ubnd|hđnd|hội đồng|trung tâm|sở|báo|đài|cổng|công an|"
    r"hội|huyện ủy|thành ủy|tỉnh ủy|đảng ủy|huyện đoàn|tỉnh đoàn|mặt trận|mttq|chi cục|cục|"
    r"bộ chỉ huy|ban chỉ huy|bộ|tòa án|viện kiểm sát|bệnh viện|trường|kho bạc|chi nhánh|"
    r"ban chỉ đạo|bcđ|thông tấn xã|ttxvn|tạp chí|liên đoàn|bảo hiểm xã hội|đoàn)\b.{0,60}$",
    re.I,
)


_BYLINE = re.compile(
    r"^(?:bài(?:\s*(?:,|và|-|&)\s*ảnh)?|tin(?:\s*(?:,|và|-|&)\s*ảnh)?|tin ảnh|bài ảnh|ảnh|"
    r"tác giả|người viết|phóng viên|pv|ctv|nhóm pv)\s*:\s*(?P<name>\S.{0,80})$",
    re.I,
)


_NAME_WORD = re.compile(r"^(?:[A-ZĐÀ-Ỹ][\w'’.-]*|\([^)]*\)|-|–)$")


def _looks_like_name(text: str) -> bool:
    if (
        len(text) > 45
        or any(ch.isdigit() for ch in text)
        or text.endswith((".", ":", ";", ",", "?", "!"))
    ):
        return False
    words = text.split()
    if not 2 <= len(words) <= 6:
        return False
    return all(_NAME_WORD.match(w) for w in words)


def _is_credit(line: str) -> bool:
    """``Theo Báo Đắk Nông điện tử``, ``Nguồn: …``, or an office's name alone on the line."""
    if len(line) > 90 or line.endswith((":", "?", "!")):
        return False
    match = _CREDIT.match(line)
    if match:
        source = match.group("src")
        # "Theo báo cáo, …" and "Theo đó …" are sentences, not sources
        return not source.endswith(".") or bool(re.search(r"\w\.\w+$", source))
    return bool(_ORG_CREDIT.match(line)) and not line.endswith(".") and "," not in line


def _after_prose(body: list[str]) -> bool:
    """False when the line before the closing one is a short label (a table's cells), not text.

    A signature follows the text, a caption or a credit; ``Lĩnh vực`` / ``Văn Hóa`` at the
    end of a table is a field and its value.
    """
    if len(body) < 2:
        return False
    before = body[-2]
    label = len(before.split()) <= 3 and not before.endswith((".", "!", "?", "…", '"', "”", ")"))
    return not label or _is_credit(before) or bool(_BYLINE.match(before))


def _signature(line: str) -> str | None:
    """A name signed alone on the last line (``Trí Son``, ``Vương Hợp – ĐTT.``), else None."""
    name = line.strip()
    # a unit abbreviation after a dash may end with a full stop: "Vương Hợp – ĐTT."
    if re.search(r"[-–]\s*[A-ZĐ]{2,8}\.$", name):
        name = name[:-1]
    return name if _looks_like_name(name) else None


def split_closing(paragraphs: list[str]) -> tuple[list[str], str | None, str | None]:
    """Take the signature and source lines off the end: ``(body, author, credit)``.

    Read wherever they stand in the last three lines, in any order: ``Theo …`` /
    ``Nguồn: …`` (also in brackets) or an office's name is the credit; ``Bài, ảnh:
    <name>`` or a name alone on its line is the author.  A name or an office after a
    short label (a table's last cells) is content, not a signature.
    """
    author: str | None = None
    credit: str | None = None
    body = list(paragraphs)
    for _ in range(3):
        if not body:
            break
        last = body[-1]
        bare = last[1:-1].strip() if last.startswith("(") and last.endswith(")") else last
        if credit is None and _is_credit(bare) and (_CREDIT.match(bare) or _after_prose(body)):
            credit = bare
            body.pop()
            continue
        byline = _BYLINE.match(bare)
        if author is None and byline and not byline.group("name").rstrip().endswith(("!", "?")):
            author = byline.group("name").strip(" .")
            body.pop()
            continue
        signed = _signature(last) if author is None and _after_prose(body) else None
        if signed:
            author = signed
            body.pop()
            continue
        break
    return body, author, credit
