"""The pure rules of provider events: how an event moves a collection, and which stored events a replay
applies again."""

from __future__ import annotations

import pytest

from ledgerline.providers.planning import collection_step, replay_applies


@pytest.mark.parametrize(("current", "event", "action"), [
    ("SUBMITTED", "PAID_OUT", "post"), ("SUBMITTED", "FAILED", "reject"), ("SUBMITTED", "CANCELLED", "cancel"),
    ("SUBMITTED", "CHARGED_BACK", "post_and_chargeback"), ("PAID_OUT", "CHARGED_BACK", "chargeback"),
    ("PAID_OUT", "PAID_OUT", "ignore"), ("FAILED", "PAID_OUT", "ignore"), ("CHARGED_BACK", "PAID_OUT", "ignore"),
])
def test_collection_steps_only_move_forwards(current, event, action):
    assert collection_step(current, event).action == action


@pytest.mark.parametrize(("resource", "outcome", "applies"), [
    ("payment", None, True),
    ("payment", "payment 7 posted", False),                      # applied once: its events were recorded
    ("payment", "ignored: no collection SBX-1", True),           # the collection may exist now
    ("payment", "ignored: collection is FAILED, which is final", True),  # steps only move forwards
    ("mandate", "mandate CANCELLED", False),
    ("mandate", "ignored: no mandate SBX-MD-1", True),
    ("mandate", "ignored: mandate is ACTIVE", False),            # an old state would undo a newer one
])
def test_a_replay_applies_only_events_not_applied_before(resource, outcome, applies):
    assert replay_applies(resource, outcome) is applies
