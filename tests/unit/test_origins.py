from __future__ import annotations

import pytest

from viewcount.origins import hosts_of, normalise_origin


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


def test_own_hosts_drop_www_as_referrer_hosts_do():
    from viewcount.wire import referrer_host

    own = hosts_of(frozenset({"https://www.blog.example.com", "http://localhost:8000"}))

    assert own == {"blog.example.com", "localhost"}
    assert referrer_host("https://www.blog.example.com/posts/a") in own
