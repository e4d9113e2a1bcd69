"""Download Matomo's referrer-spam list for bundling with the Lambda code.

No package registry carries the list, so it is fetched before a deploy; the packager
bundles `build/referrer-spam.txt` when it exists and warns when it does not. The file is
checked to look like a list of host names (not an error page) and replaced atomically,
so a failed or partial download never leaves a broken list behind.

    .venv/bin/python tools/fetch_referrer_spam.py [path]   # default build/referrer-spam.txt
"""

from __future__ import annotations

import http.client
import os
import re
import sys
import tempfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
URL = "https://raw.githubusercontent.com/matomo-org/referrer-spam-list/master/spammers.txt"
DEFAULT_TARGET = ROOT / "build" / "referrer-spam.txt"
# The list has held hundreds of hosts for years; far fewer means something is wrong.
MIN_HOSTS = 100
# Host names as the list writes them: ASCII (IDNs in punycode), at least one dot.
_HOST = re.compile(r"(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}", re.IGNORECASE)


def check(text: str) -> list[str]:
    """The list's host lines; ValueError when the text does not look like the list."""
    hosts, bad = [], []
    for line in text.splitlines():
        entry = line.split("#", 1)[0].strip()
        if entry:
            (hosts if _HOST.fullmatch(entry) else bad).append(entry)
    if bad:
        shown = ", ".join(repr(entry) for entry in bad[:5])
        raise ValueError(f"{len(bad)} line(s) are not host names, e.g. {shown}")
    if len(hosts) < MIN_HOSTS:
        raise ValueError(f"only {len(hosts)} host names, expected at least {MIN_HOSTS}")
    return hosts


def write_atomically(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    # Same directory, so the rename cannot cross file systems.
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as file:
            file.write(text)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def main(argv: list[str]) -> int:
    target = Path(argv[1]) if len(argv) > 1 else DEFAULT_TARGET
    try:
        with urllib.request.urlopen(URL, timeout=30) as response:
            text = response.read().decode("utf-8")
        hosts = check(text)
        write_atomically(target, text)
    # URLError and timeouts are OSErrors, a cut-off body an HTTPException, bad UTF-8 a ValueError.
    except (OSError, http.client.HTTPException, ValueError) as error:
        print(f"fetch_referrer_spam: {URL} -> {target}: {error}", file=sys.stderr)
        return 1
    print(f"fetch_referrer_spam: {len(hosts)} hosts written to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
