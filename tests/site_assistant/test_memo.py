"""memo: a value worked out once per index version, the live one only."""

import pytest

from site_assistant.memo import PerVersion


def test_a_value_is_made_once_per_version_and_a_new_version_replaces_it():
    made = []

    def make(name):
        made.append(name)
        return name.upper()

    memo = PerVersion()
    assert memo.get("v1", lambda: make("v1")) == "V1"
    assert memo.get("v1", lambda: make("again")) == "V1"
    assert memo.get("v2", lambda: make("v2")) == "V2"
    assert made == ["v1", "v2"]

    def broken():
        raise OSError("the index folder went away")

    with pytest.raises(OSError):
        memo.get("v3", broken)
    assert memo.get("v2", lambda: make("not again")) == "V2"  # a failed make keeps the last
