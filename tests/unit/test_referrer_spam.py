from __future__ import annotations

import pytest

from tools.fetch_referrer_spam import MIN_HOSTS, check, write_atomically
from viewcount.referrer_spam import is_referrer_spam, load_spam_hosts

LIST = """\
# invented hosts in the format of Matomo's spammers.txt
spam-example.test
Shouting-Spam.TEST

www.prefixed-spam.test
sub.listed-below.test   # a comment after an entry
xn--80ak6aa92e.test
"""


@pytest.fixture
def spam_hosts(tmp_path):
    path = tmp_path / "spammers.txt"
    path.write_text(LIST, encoding="utf-8")
    return load_spam_hosts(path)


def test_the_list_is_read_lower_cased_without_www_comments_or_blanks(spam_hosts):
    assert spam_hosts == {
        "spam-example.test",
        "shouting-spam.test",
        "prefixed-spam.test",
        "sub.listed-below.test",
        "xn--80ak6aa92e.test",
    }


def test_a_missing_list_is_an_error_not_an_empty_list(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_spam_hosts(tmp_path / "absent.txt")


def test_an_empty_file_is_an_empty_list(tmp_path):
    # What the packager bundles, with a warning, when the list was not fetched.
    path = tmp_path / "referrer-spam.txt"
    path.touch()

    assert load_spam_hosts(path) == frozenset()


@pytest.mark.parametrize(
    "host",
    [
        "spam-example.test",
        "a.b.spam-example.test",
        "www.spam-example.test",
        "SPAM-example.Test",
        "spam-example.test.",
        "shouting-spam.test",
        "prefixed-spam.test",
        "deep.sub.listed-below.test",
    ],
)
def test_a_listed_host_and_its_subdomains_are_spam(spam_hosts, host):
    assert is_referrer_spam(host, spam_hosts)


@pytest.mark.parametrize(
    "host",
    [
        "notspam-example.test",
        "spam-example.test.example.org",
        "listed-below.test",
        "other.listed-below.test",
        "test",
        "",
        "blog.example.com",
    ],
)
def test_other_hosts_are_not(spam_hosts, host):
    assert not is_referrer_spam(host, spam_hosts)


def test_a_stray_top_level_domain_line_does_not_mark_everything_under_it():
    assert not is_referrer_spam("blog.example.test", frozenset({"test"}))


def valid_list(count: int) -> str:
    return "".join(f"spam-{n}.example.test\n" for n in range(count))


def test_the_fetcher_accepts_a_list_of_host_names():
    text = valid_list(MIN_HOSTS) + "xn----7sbabm1ahc4b2aqff.test\n\n"

    assert len(check(text)) == MIN_HOSTS + 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<!DOCTYPE html>\n<html><body>Rate limited</body></html>\n", "not host names"),
        ("404: Not Found", "not host names"),
        (valid_list(MIN_HOSTS) + "not a host\n", "not host names"),
        (valid_list(MIN_HOSTS - 1), "only"),
        ("", "only 0"),
    ],
)
def test_the_fetcher_rejects_what_is_not_the_list(text, message):
    with pytest.raises(ValueError, match=message):
        check(text)


def test_the_fetcher_replaces_the_file_whole_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "build" / "referrer-spam.txt"
    write_atomically(target, "old.example.test\n")
    write_atomically(target, valid_list(2))

    assert target.read_text(encoding="utf-8") == valid_list(2)
    assert sorted(p.name for p in target.parent.iterdir()) == ["referrer-spam.txt"]


def test_a_failed_replace_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    # A directory in the target's place makes the final rename fail.
    target = tmp_path / "referrer-spam.txt"
    target.mkdir()
    (target / "kept").write_text("old", encoding="utf-8")

    with pytest.raises(OSError):
        write_atomically(target, valid_list(2))

    assert sorted(p.name for p in tmp_path.iterdir()) == ["referrer-spam.txt"]
    assert (target / "kept").read_text(encoding="utf-8") == "old"
