"""The password policy of admin users: long enough, not too long, not a common password.

A new password (``vnarchive users add NAME [--replace]``) is refused, with a
message saying why, when it

- has fewer than :data:`MIN_PASSWORD_LENGTH` characters;
- has more than :data:`MAX_PASSWORD_LENGTH` characters: the login form takes no
  more (``maxlength`` and the server cut at the same number), so such a user could
  never log in;
- is one of the commonest passwords: the 30,000 of zxcvbn's ``passwords``
  frequency list (MIT licence, shipped in the ``zxcvbn`` package this project
  depends on), plus ``common_passwords.txt`` beside this module (Vietnamese and
  admin-console favourites compiled for this project), compared in lower case and also without trailing
  digits and symbols (``Password2024!`` is ``password``);
- repeats one or two characters (``aaaaaaaa``, ``abababab``), runs a keyboard or
  alphabet sequence (``12345678``, ``abcdefgh``, ``87654321``), or is the user name.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024  # the login form's maxlength, and where the server cuts it

LOCAL_LIST = Path(__file__).with_name("common_passwords.txt")
_TRAILING = re.compile(r"[\d\W_]+$")
_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm", "abcdefghijklmnopqrstuvwxyz")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The common-password list (loaded once, on first use)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    local = (
        line.strip().lower()
        for line in LOCAL_LIST.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    )
    return frozenset(w.lower() for w in FREQUENCY_LISTS["passwords"]) | frozenset(local)


def _is_sequence(text: str) -> bool:
    for row in _ROWS:
        for line in (row, row[::-1]):
            if text in line or text in line * 2:
                return True
    return False


def password_problem(password: str, user: str | None = None) -> str | None:
    """Why ``password`` may not be used (a sentence for the admin), or None when it may."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"the password must have at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > MAX_PASSWORD_LENGTH:
        return (
            f"the password has {len(password):,} characters; at most {MAX_PASSWORD_LENGTH:,} are "
            "accepted (the login form takes no more)"
        )
    lowered = password.lower()
    stem = _TRAILING.sub("", lowered)
    common = common_passwords()
    if lowered in common or (len(stem) >= 4 and stem in common):
        return "the password is one of the most common passwords; choose a longer phrase"
    if len(set(lowered)) <= 2:
        return "the password repeats one or two characters; choose a longer phrase"
    if _is_sequence(lowered):
        return "the password is a keyboard or alphabet sequence; choose a longer phrase"
    if user and user.lower() in (lowered, stem):
        return "the password is the user name"
    return None
