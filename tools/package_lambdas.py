"""Build one deterministic zip per Lambda code folder into dist/.

Each zip holds the function's `handler.py` and the shared `viewcount` package. Entries
are sorted and carry a fixed timestamp and mode, so the same sources give the same bytes
and CDK sees no change when nothing changed. Powertools and boto3 are not bundled: the
Lambda runtime has boto3 and AWS's public layer has Powertools.
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAMBDAS = ROOT / "lambdas"
SHARED = "viewcount"
FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def sources(folder: Path) -> list[tuple[str, Path]]:
    files = [("handler.py", folder / "handler.py")]
    for path in sorted((LAMBDAS / SHARED).rglob("*.py")):
        files.append((path.relative_to(LAMBDAS).as_posix(), path))
    return sorted(files)


def build(folder: Path, dist: Path) -> Path:
    target = dist / f"{folder.name}.zip"
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, path in sources(folder):
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes(), compresslevel=9)
    return target


def main(argv: list[str]) -> int:
    dist = Path(argv[1]) if len(argv) > 1 else ROOT / "dist"
    dist.mkdir(parents=True, exist_ok=True)
    folders = sorted(p for p in LAMBDAS.iterdir() if (p / "handler.py").is_file())
    if not folders:
        print("package_lambdas: no lambdas/<name>/handler.py found", file=sys.stderr)
        return 1
    for folder in folders:
        print(f"built {build(folder, dist)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
