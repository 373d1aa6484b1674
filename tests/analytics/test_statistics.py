"""The statistics against values computed by hand (and checked against published tables)."""

from __future__ import annotations

import math

import pytest

from recommendations.analytics import two_proportion_z_test, wilson_interval


def test_wilson_interval_of_8_in_20():
    # p = 0.4, z = 1.96: centre = (0.4 + 1.9208/20) / (1 + 3.8415/20) = 0.41612,
    # half = 1.96 * sqrt(0.012 + 0.0024) / 1.19207 = 0.19729  ->  [0.2188, 0.6134]
    low, high = wilson_interval(8, 20)

    assert low == pytest.approx(0.2188, abs=1e-4)
    assert high == pytest.approx(0.6134, abs=1e-4)


def test_wilson_interval_edges():
    assert wilson_interval(0, 0) == (0.0, 0.0)
    low, high = wilson_interval(0, 10)
    assert low == 0.0
    assert high == pytest.approx(0.2775, abs=1e-4)  # 3.8415 / 13.8415
    assert wilson_interval(10, 10)[1] == 1.0


def test_two_proportion_z_test_20_of_100_against_30_of_100():
    # pooled p = 0.25, se = sqrt(0.25 * 0.75 * (1/100 + 1/100)) = 0.0612372, z = 0.1 / se = 1.63299,
    # two-sided p = erfc(1.63299 / sqrt 2) = 0.10247
    z, p = two_proportion_z_test(20, 100, 30, 100)

    assert z == pytest.approx(1.63299, abs=1e-5)
    assert p == pytest.approx(0.10247, abs=1e-5)


def test_two_proportion_z_test_is_symmetric_and_undefined_without_data():
    z, p = two_proportion_z_test(30, 100, 20, 100)
    assert z == pytest.approx(-1.63299, abs=1e-5)
    assert p == pytest.approx(0.10247, abs=1e-5)
    assert two_proportion_z_test(0, 0, 1, 10) == (None, None)
    assert two_proportion_z_test(0, 10, 0, 10) == (None, None)  # no variance at all


def test_a_large_difference_is_significant():
    _z, p = two_proportion_z_test(100, 1000, 150, 1000)

    assert p < 0.001
    assert math.isfinite(p)
