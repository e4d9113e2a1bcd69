"""The README's "Error codes" table lists exactly the stable codes (docs/wire-contract.md has
each in full), so the codes a client may meet are the codes a reader is told about."""

from __future__ import annotations

import re

from tests.conftest import ROOT
from viewcount import errors


def readme_error_codes() -> list[str]:
    """The codes of the README's table under "## Error codes": rows that start with a code."""
    section = re.search(r"^## Error codes\n(.*?)(?=^## )", (ROOT / "README.md").read_text(), re.M | re.S)
    assert section, 'README.md has no section "## Error codes" followed by another section'
    return re.findall(r"^\| `(\w+)` \|", section.group(1), re.M)


def test_the_readme_lists_every_error_code_once():
    listed = readme_error_codes()
    twice = sorted({code for code in listed if listed.count(code) > 1})
    assert not twice, f"listed twice in README.md: {twice}"
    assert set(listed) == set(errors.ALL_CODES), (
        f"README.md's error codes differ from viewcount.errors.ALL_CODES: "
        f"missing {sorted(set(errors.ALL_CODES) - set(listed))}, unknown {sorted(set(listed) - set(errors.ALL_CODES))}"
    )
