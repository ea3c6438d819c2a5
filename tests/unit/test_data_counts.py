"""Images per class in each part of a split (cnnlab.data.split_counts)."""

from __future__ import annotations

import numpy as np
import pytest

from cnnlab.data import split_counts, split_indices


@pytest.mark.parametrize(("val", "test", "seed"), [(0.2, 0.0, 0), (0.25, 0.1, 3), (0.5, 0.3, 7)])
def test_counts_match_the_split_indices(val, test, seed):
    y = np.repeat(np.arange(4), [50, 30, 7, 13])
    counts = split_counts(y, 4, val_fraction=val, test_fraction=test, seed=seed)
    tr, va, te = split_indices(y, val_fraction=val, test_fraction=test, seed=seed)
    expected = {"train": y[tr], "val": y[va], **({"test": y[te]} if test > 0 else {})}
    assert list(counts) == list(expected)
    for part, labels in expected.items():
        assert counts[part] == [int((labels == c).sum()) for c in range(4)]
    assert sum(map(sum, counts.values())) == len(y)


def test_a_class_with_no_image_counts_zero():
    counts = split_counts(np.array([0, 0, 0, 0, 2, 2, 2, 2, 2]), 3, val_fraction=0.25)
    assert counts == {"train": [3, 0, 4], "val": [1, 0, 1]}
    assert all(isinstance(v, int) for part in counts.values() for v in part)
