"""The request's unit of work (db.RequestTransaction): claims, endpoint and COMMIT in order, and the
failure paths: roll back first, then release what was claimed."""

from __future__ import annotations

import pytest

from ledgerline.db import RequestTransaction


class FakeSession:
    def __init__(self, events: list[str], *, commit_fails: bool = False) -> None:
        self.events, self.commit_fails = events, commit_fails

    def commit(self) -> None:
        self.events.append("commit")
        if self.commit_fails:
            raise ConnectionError("COMMIT failed")

    def rollback(self) -> None:
        self.events.append("rollback")

    def close(self) -> None:
        self.events.append("close")


class FakeDatabase:
    def __init__(self, session: FakeSession) -> None:
        self._session = session

    def session(self, *, write: bool = True) -> FakeSession:
        return self._session


class Key:
    def __init__(self, name: str, events: list[str], *, taken_fails: bool = False,
                 release_fails: bool = False) -> None:
        self.name, self.events, self.taken_fails, self.release_fails = name, events, taken_fails, release_fails

    def take(self) -> None:
        self.events.append(f"take {self.name}")
        if self.taken_fails:
            raise LookupError(f"{self.name} is taken")

    def release(self) -> None:
        self.events.append(f"release {self.name}")
        if self.release_fails:
            raise ConnectionError("release failed")


def unit(events: list[str], **session_options: bool) -> RequestTransaction:
    transaction = RequestTransaction(FakeDatabase(FakeSession(events, **session_options)), write=True)
    transaction.open_session()
    return transaction


def endpoint(events: list[str], *, fails: bool = False):  # noqa: ANN202
    def run(**values: object) -> object:
        events.append(f"endpoint {values}")
        if fails:
            raise ValueError("refused")
        return "answer"

    return run


def test_claims_are_taken_before_the_endpoint_and_the_session_commits_after_it():
    events: list[str] = []
    transaction = unit(events)
    transaction.claim(Key("k", events))
    assert transaction.run(endpoint(events), {"x": 1}) == "answer"
    assert events == ["take k", "endpoint {'x': 1}", "commit", "close"]


def test_a_failing_endpoint_rolls_back_before_its_key_is_released():
    events: list[str] = []
    transaction = unit(events)
    transaction.claim(Key("k", events))
    with pytest.raises(ValueError, match="refused"):
        transaction.run(endpoint(events, fails=True), {})
    assert events == ["take k", "endpoint {}", "rollback", "release k", "close"]


def test_a_failed_commit_releases_the_key():
    events: list[str] = []
    transaction = unit(events, commit_fails=True)
    transaction.claim(Key("k", events))
    with pytest.raises(ConnectionError, match="COMMIT"):
        transaction.run(endpoint(events), {})
    assert events == ["take k", "endpoint {}", "commit", "rollback", "release k", "close"]


def test_a_claim_that_cannot_be_taken_runs_nothing_and_releases_only_what_was_taken():
    events: list[str] = []
    transaction = unit(events)
    transaction.claim(Key("a", events))
    transaction.claim(Key("b", events, taken_fails=True))
    with pytest.raises(LookupError):
        transaction.run(endpoint(events), {})
    assert events == ["take a", "take b", "rollback", "release a", "close"]


def test_a_failed_release_does_not_hide_the_requests_own_error():
    events: list[str] = []
    transaction = unit(events)
    transaction.claim(Key("k", events, release_fails=True))
    with pytest.raises(ValueError, match="refused"):
        transaction.run(endpoint(events, fails=True), {})
    assert events[-2:] == ["release k", "close"]


def test_an_endpoint_without_a_session_just_runs():
    events: list[str] = []
    transaction = RequestTransaction(FakeDatabase(FakeSession(events)), write=False)
    assert transaction.run(endpoint(events), {}) == "answer"
    assert events == ["endpoint {}"]
