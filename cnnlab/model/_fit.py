"""Does a design fit a dataset? Its shape as drawn, the data's, and the true parameter count.

A design carries the input shape it was drawn for (the notebook's model: 150×150×3);
training sizes it to the data (``ModelConfig.with_data``), which changes the parameter
count of every layer after a Flatten. A page says so before training, with both counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cnnlab.model._config import ModelConfig
from cnnlab.model._table import layer_table

__all__ = ["DataFit", "fit_to_data"]


@dataclass(frozen=True)
class DataFit:
    """A design against a dataset (see :func:`fit_to_data`)."""

    design_shape: tuple[int, int, int]  # (H, W, C) the design was drawn for
    data_shape: tuple[int, int, int]  # (H, W, C) of the data's images
    design_params: int | None  # parameters as drawn (None: not valid even there)
    params: int | None  # parameters once sized to the data: what trains (None: impossible)
    error: str | None  # why it cannot train on these data; None when it can

    @property
    def resized(self) -> bool:
        """Whether training changes the design's input shape."""
        return self.design_shape != self.data_shape

    @property
    def can_train(self) -> bool:
        return self.error is None


def fit_to_data(
    cfg: ModelConfig, data_shape: Sequence[int], num_classes: int | None = None
) -> DataFit:
    """The design ``cfg`` on images of ``data_shape`` ``(H, W, C)`` in ``num_classes``
    classes (None: the design's own count).

    >>> from cnnlab.model import PRESETS
    >>> fit = fit_to_data(PRESETS["seed_pets"], (32, 32, 1), 2)
    >>> fit.resized, fit.design_params, fit.params
    (True, 830849, 199489)
    >>> fit_to_data(PRESETS["seed_shapes"], (32, 32, 1)).resized
    False
    """
    shape = tuple(int(v) for v in data_shape)
    if len(shape) != 3 or min(shape) < 1:
        raise ValueError(f"data_shape must be (H, W, C) of positive sides, got {data_shape!r}")
    k = cfg.num_classes if num_classes is None else int(num_classes)
    drawn = cfg.with_data(num_classes=k)
    try:
        design_params: int | None = sum(r.params for r in layer_table(drawn))
    except ValueError:
        design_params = None
    error = None
    try:
        params: int | None = sum(
            r.params
            for r in layer_table(drawn.with_data(input_shape=shape))  # type: ignore[arg-type]
        )
    except ValueError as exc:
        params, error = None, str(exc)
    return DataFit(
        design_shape=tuple(int(v) for v in cfg.input_shape),  # type: ignore[arg-type]
        data_shape=shape,  # type: ignore[arg-type]
        design_params=design_params,
        params=params,
        error=error,
    )
