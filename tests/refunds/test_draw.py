"""How a refund's amount is drawn from what was collected."""

from __future__ import annotations

import pytest

from ledgerline.refunds.planning import draw


def test_draws_from_the_sources_in_order_each_up_to_what_it_has():
    assert draw(70, [("newest", 50), ("older", 30), ("oldest", 40)]) == [("newest", 50), ("older", 20)]


def test_skips_empty_sources_and_stops_when_done():
    assert draw(10, [("a", 0), ("b", 10), ("c", 5)]) == [("b", 10)]


def test_refuses_to_draw_more_than_the_sources_hold():
    with pytest.raises(ValueError):
        draw(11, [("a", 5), ("b", 5)])
