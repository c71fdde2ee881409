"""Random forms and patches never make the sub-brand endpoints fail with a 500."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import create_sub_brand

BASE = "/v1/contract-owner-sub-brands"
FUZZ = settings(max_examples=60, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

names = st.one_of(
    st.sampled_from(["subBrand", "logo", "file", "patch", "subBrand[name]", "subBrand[address][town]",
                     "subBrand[address]", "subBrand[contractOwnerId]", "subBrand[defaultSubBrand]", "patch[0][op]",
                     "patch[0][path]", "patch[0][value]", "patch[0][from]", "patch[1][op]", "patch[0][value][town]"]),
    st.text(alphabet="[]abP0_ ", min_size=1, max_size=14),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)
values = st.one_of(st.text(max_size=30), st.sampled_from(["null", "", "0x01", "true", "/name", "replace", "{}", "[]"]),
                   json_values.map(json.dumps))
parts = st.lists(st.tuples(names, st.one_of(values.map(lambda v: (None, v)),
                                            st.binary(max_size=64).map(lambda b: ("f.png", b, "image/png")))),
                 min_size=1, max_size=8)
operations = st.lists(st.fixed_dictionaries(
    {"op": st.sampled_from(["add", "remove", "replace", "move", "copy", "test", "x"]),
     "path": st.sampled_from(["/name", "/address", "/address/town", "/address/id", "/id", "", "/", "/x/y", "name",
                              "/defaultSubBrand", "/contractOwnerId", "/emailTemplateId", "/swiftCode"])},
    optional={"value": json_values, "from": st.sampled_from(["/name", "/address/town", "/nothing", "/id"])}),
    max_size=4)


def _assert_answered(response) -> None:
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.json()["errors"] or response.json()["message"]


def test_random_create_forms_are_answered_without_a_500(client, auth):
    @FUZZ
    @given(parts)
    def check(form):
        _assert_answered(client.post(BASE, files=form, headers=auth))

    check()


def test_random_patches_are_answered_without_a_500(client, auth):
    sub_brand = create_sub_brand(client, auth)
    path = f"{BASE}/{sub_brand['id']}"

    @FUZZ
    @given(operations, parts)
    def check(patch, form):
        json_patch = {**auth, "Content-Type": "application/json-patch+json"}
        _assert_answered(client.patch(path, json=patch, headers=json_patch))
        _assert_answered(client.patch(path, files=form, headers=auth))

    check()
