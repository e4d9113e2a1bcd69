"""Build one deterministic zip per Lambda code folder into dist/.

Each zip holds the function's `handler.py`, the shared `viewcount` package, the
`crawleruseragents` package (the bot patterns `viewcount.bots` uses) and the `tzdata`
package (the time zones of the sites' days: a Lambda runtime need not ship them), each with
its licence, and the referrer-spam list as `viewcount/referrer-spam.txt`. Entries are sorted and carry a
fixed timestamp and mode, so the same sources give the same bytes and CDK sees no change
when nothing changed. Powertools and boto3 are not bundled: the Lambda runtime has boto3
and AWS's public layer has Powertools.

The third-party packages are taken from the Python running this script, so run it with
the project's virtualenv (`.venv/bin/python`), where requirements.txt installed it.

    .venv/bin/python tools/package_lambdas.py [dist] [--referrer-spam build/referrer-spam.txt]
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAMBDAS = ROOT / "lambdas"
SHARED = "viewcount"
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
# Import package -> its distribution (for the licence, which MIT asks to travel with copies).
BUNDLED = {"crawleruseragents": "crawler-user-agents", "tzdata": "tzdata"}
REFERRER_SPAM = ROOT / "build" / "referrer-spam.txt"
REFERRER_SPAM_ENTRY = f"{SHARED}/referrer-spam.txt"

Entry = tuple[str, bytes]


class PackagingError(Exception):
    pass


def _package_files(package: str, distribution: str) -> list[Entry]:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise PackagingError(
            f"{package} is not installed for {sys.executable}; run this with .venv/bin/python "
            "after `pip install -r requirements.txt`"
        )
    folder = Path(next(iter(spec.submodule_search_locations)))
    entries = [
        (f"{package}/{path.relative_to(folder).as_posix()}", path.read_bytes())
        for path in folder.rglob("*")
        if path.is_file() and "__pycache__" not in path.relative_to(folder).parts
    ]
    licences = [
        (file.as_posix(), file.locate().read_bytes())
        for file in importlib.metadata.distribution(distribution).files or ()
        if file.parent.name == "licenses"
    ]
    if not licences:
        raise PackagingError(f"no licence file recorded for {distribution}; it has to ship with the code")
    return entries + licences


def third_party() -> list[Entry]:
    return [entry for package, distribution in BUNDLED.items() for entry in _package_files(package, distribution)]


def sources(folder: Path, shared_extras: list[Entry]) -> list[Entry]:
    files = [("handler.py", (folder / "handler.py").read_bytes())]
    for path in (LAMBDAS / SHARED).rglob("*.py"):
        files.append((path.relative_to(LAMBDAS).as_posix(), path.read_bytes()))
    return sorted(files + shared_extras)


def build(folder: Path, dist: Path, shared_extras: list[Entry]) -> Path:
    target = dist / f"{folder.name}.zip"
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in sources(folder, shared_extras):
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data, compresslevel=9)
    return target


def referrer_spam(path: Path) -> list[tuple[str, bytes]]:
    """The list to bundle, or none: the functions then drop no referrer as spam, which the
    warning makes visible (deploy.sh refuses to deploy without a list)."""
    if path.is_file():
        return [(REFERRER_SPAM_ENTRY, path.read_bytes())]
    print(
        f"package_lambdas: warning: {path} is missing, so no {REFERRER_SPAM_ENTRY} is bundled; "
        "run tools/fetch_referrer_spam.py before deploying",
        file=sys.stderr,
    )
    return []


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="package_lambdas", description=__doc__.splitlines()[0])
    parser.add_argument("dist", nargs="?", type=Path, default=ROOT / "dist")
    parser.add_argument("--referrer-spam", type=Path, default=REFERRER_SPAM, help="the fetched spammers.txt")
    args = parser.parse_args(argv[1:])
    folders = sorted(p for p in LAMBDAS.iterdir() if (p / "handler.py").is_file())
    if not folders:
        print("package_lambdas: no lambdas/<name>/handler.py found", file=sys.stderr)
        return 1
    try:
        shared_extras = [*third_party(), *referrer_spam(args.referrer_spam)]
    except PackagingError as error:
        print(f"package_lambdas: {error}", file=sys.stderr)
        return 1
    args.dist.mkdir(parents=True, exist_ok=True)
    for folder in folders:
        print(f"built {build(folder, args.dist, shared_extras)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
