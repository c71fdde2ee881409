"""Bracketed form-field names as nested documents (no HTTP)."""

from __future__ import annotations

import pytest

from ledgerline.kit.bracketed import BracketError, name_path, nest


def test_names_split_into_paths():
    assert name_path("subBrand") == ["subBrand"]
    assert name_path("subBrand[address][town]") == ["subBrand", "address", "town"]
    assert name_path("patch[0][from]") == ["patch", "0", "from"]


def test_pairs_nest_and_indexes_become_lists_in_order():
    document = nest([("subBrand[name]", "bcn"), ("subBrand[address][town]", "London"),
                     ("patch[1][op]", "remove"), ("patch[0][op]", "add"), ("patch[0][value][town]", "Leeds")])
    assert document == {"subBrand": {"name": "bcn", "address": {"town": "London"}},
                        "patch": [{"op": "add", "value": {"town": "Leeds"}}, {"op": "remove"}]}


@pytest.mark.parametrize(("pairs", "field"), [
    ([("a[", "x")], "a["), ([("a[]", "x")], "a[]"), ([("[a]", "x")], "[a]"), ([("a]b", "x")], "a]b"),
    ([("a[b]", "x"), ("a[b]", "y")], "a[b]"),
    ([("a[b]", "x"), ("a[b][c]", "y")], "a[b][c]"),
    ([("a[b][c]", "x"), ("a[b]", "y")], "a[b]"),
    ([("p[0]", "x"), ("p[2]", "y")], "p"),
    ([("p[1][op]", "x")], "p"),
    ([("p[0][a][01]", "x")], "p[0][a]"),
])
def test_malformed_or_conflicting_names_are_refused_naming_the_field(pairs, field):
    with pytest.raises(BracketError) as raised:
        nest(pairs)
    assert raised.value.field == field
