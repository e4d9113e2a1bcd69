"""Hypothesis strategies for client frames: arbitrary text, arbitrary JSON, near-valid views."""

from __future__ import annotations

import json

from hypothesis import strategies as st

VALID = {
    "message": "views",
    "articleId": "hello-world",
    "articleTitle": "Hello, world",
    "currentPage": "/posts/hello-world",
    "previousPage": "/",
    "referrer": "https://news.ycombinator.com/item?id=1",
    "refreshed": False,
    "gpc": False,
    "webdriver": False,
}
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=300),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
# Text shaped like the URLs and paths the fields hold, with the characters parsers trip on.
url_like = st.from_regex(r"\A(https?://)?\[?[a-zA-Z0-9.:/?#%&=@_\[\] -]{0,30}\Z")
near_valid = st.builds(
    lambda name, value, case: json.dumps(
        {(key.upper() if case else key): (value if key == name else original) for key, original in VALID.items()}
    ),
    st.sampled_from(sorted(VALID)),
    url_like | json_values,
    st.booleans(),
)
any_json = json_values.map(json.dumps)
any_object = st.dictionaries(st.text(max_size=12), json_values, max_size=6).map(
    lambda d: json.dumps(d | {"message": "views"})
)
frames = st.one_of(st.text(max_size=500), any_json, any_object, near_valid)
counts_requests = st.builds(
    lambda ids: json.dumps({"message": "counts", "articleIds": ids}),
    json_values | st.lists(st.from_regex(r"\A[a-z0-9._~<>/-]{0,20}\Z"), max_size=5),
)
# What a WebSocket client can send the gateway: text frames of every kind, and binary ones.
gateway_frames = st.one_of(frames, counts_requests, st.binary(max_size=300))
