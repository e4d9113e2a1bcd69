from __future__ import annotations

import pytest

from viewcount.origins import normalise_origin, origin_allowed, parse_allow_list


@pytest.mark.parametrize(
    ("origin", "normalised"),
    [
        ("https://Blog.Example.com/", "https://blog.example.com"),
        ("https://blog.example.com:443", "https://blog.example.com"),
        ("http://localhost:8000", "http://localhost:8000"),
        ("https://blog.example.com/path", None),
        ("blog.example.com", None),
        ("https://blog.example.com:99999", None),
    ],
)
def test_normalise(origin, normalised):
    assert normalise_origin(origin) == normalised


def test_matching_is_exact_not_by_substring_or_pattern():
    allowed = parse_allow_list("https://blog.example.com")

    assert origin_allowed("https://blog.example.com", allowed)
    assert not origin_allowed("https://blog.example.com.evil.net", allowed)
    assert not origin_allowed("https://sub.blog.example.com", allowed)
    assert not origin_allowed("https://blogXexample.com", allowed)


def test_a_bad_allow_list_entry_is_an_error():
    with pytest.raises(ValueError, match="not an origin"):
        parse_allow_list("https://ok.example.com, ftp//broken")


def test_own_hosts_drop_www_as_referrer_hosts_do():
    from viewcount.origins import hosts_of, parse_allow_list
    from viewcount.wire import referrer_host

    own = hosts_of(parse_allow_list("https://www.blog.example.com,http://localhost:8000"))

    assert own == {"blog.example.com", "localhost"}
    assert referrer_host("https://www.blog.example.com/posts/a") in own
