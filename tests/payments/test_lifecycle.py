"""The payment life cycle as a pure function: every transition DESIGN "Payments" allows, and every one it refuses."""

from __future__ import annotations

import ast
import inspect
from itertools import product

import pytest

from ledgerline.errors import Conflict
from ledgerline.models.enums import PaymentStatus as S
from ledgerline.payments import lifecycle
from ledgerline.payments.lifecycle import check_transition

# Written from DESIGN.md, not from the module, so that a changed table fails here.
ALLOWED = {
    (S.DRAFT, "post"): S.POSTED,
    (S.DRAFT, "reject"): S.REJECTED,
    (S.POSTED, "cancel"): S.CANCELLED,
    (S.PENDING_VERIFICATION, "post"): S.POSTED,
    (S.PENDING_VERIFICATION, "reject"): S.REJECTED,
    (S.PENDING_VERIFICATION, "cancel"): S.CANCELLED,
}
ACTIONS = ("post", "reject", "cancel")
REFUSED = [pair for pair in product(S, ACTIONS) if pair not in ALLOWED]


@pytest.mark.parametrize(("status", "action"), list(ALLOWED), ids=lambda v: getattr(v, "value", v))
def test_allowed_transition_gives_the_status_after_it(status, action):
    assert check_transition(7, status, action) is ALLOWED[(status, action)]


@pytest.mark.parametrize(("status", "action"), REFUSED, ids=lambda v: getattr(v, "value", v))
def test_refused_transition_is_a_conflict_naming_the_payment_and_its_state(status, action):
    with pytest.raises(Conflict) as refused:
        check_transition(7, status, action)
    assert refused.value.status_code == 409
    assert refused.value.message.startswith(f"payment 7 is {status.value}; ")


def test_a_new_status_has_to_be_placed_in_the_life_cycle_first():
    assert set(S) == {S.DRAFT, S.POSTED, S.REJECTED, S.CANCELLED, S.PENDING_VERIFICATION}


@pytest.mark.parametrize(("action", "message"), [
    ("post", "payment 3 is POSTED; only a DRAFT or PENDING_VERIFICATION payment can be posted"),
    ("reject", "payment 3 is POSTED; only a DRAFT or PENDING_VERIFICATION payment can be rejected"),
    ("cancel", "payment 3 is REJECTED; only a PENDING_VERIFICATION or POSTED payment can be cancelled"),
])
def test_refusal_names_the_states_the_action_needs(action, message):
    status = S.REJECTED if action == "cancel" else S.POSTED
    with pytest.raises(Conflict, match=f"^{message}$"):
        check_transition(3, status, action)


def test_an_unknown_action_is_a_programming_error_not_a_conflict():
    with pytest.raises(ValueError, match="no payment action 'void'"):
        check_transition(1, S.DRAFT, "void")  # type: ignore[arg-type]


def test_the_life_cycle_imports_no_database_code():
    tree = ast.parse(inspect.getsource(lifecycle))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert not {name for name in imported if name.split(".")[0] == "sqlalchemy"}
    assert imported <= {"__future__", "collections.abc", "typing", "ledgerline.errors", "ledgerline.models.enums"}
