"""Calibration figures: zero when P(high) matches what is observed, large when it does not."""

from __future__ import annotations

import numpy as np
import pytest

from training.metrics import calibration_metrics


def test_a_calibrated_score_has_no_calibration_error() -> None:
    # In each bin the share of high sentences equals the bin's probability.
    truth = ["high"] * 1 + ["low"] * 9 + ["high"] * 7 + ["medium"] * 3
    p_high = [0.1] * 10 + [0.7] * 10
    figures = calibration_metrics(truth, p_high)
    assert figures["high_ece"] == pytest.approx(0.0, abs=1e-9)
    assert figures["high_brier"] == pytest.approx((0.1 * 0.81 + 0.9 * 0.01 + 0.7 * 0.09 + 0.3 * 0.49) / 2)


def test_an_overconfident_score_shows_its_gap() -> None:
    truth = ["high", "low"] * 50
    figures = calibration_metrics(truth, np.full(100, 0.95))
    assert figures["high_ece"] == pytest.approx(0.45)
    assert calibration_metrics([], [])["high_ece"] == 0.0
