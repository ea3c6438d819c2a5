"""Stand-alone Keras source for a configuration: what a student copies into a notebook."""

from __future__ import annotations

from typing import Any

from cnnlab.model._config import ModelConfig
from cnnlab.model._layers import Regularizer, walk

__all__ = ["keras_code"]


def _lit(value: Any) -> str:
    if isinstance(value, Regularizer):
        return f"keras.regularizers.{value.cls}({value.factor!r})"
    if isinstance(value, float) and abs(value - 1 / 255) < 1e-15:
        return "1 / 255"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, tuple):
        return "(" + ", ".join(_lit(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    return repr(value)


def keras_code(cfg: ModelConfig, *, learning_rate: float = 1e-3) -> str:
    """A runnable Python script (imports, model, compile, summary) building ``cfg``.

    The model has the same layers, names and parameter counts as ``build_model(cfg)``;
    it is compiled with Adam and the loss that matches the output. Raises ConfigError
    for invalid configurations.

    >>> from cnnlab.model import PRESETS
    >>> print(keras_code(PRESETS["seed_pets"]).splitlines()[6])
    x = layers.Rescaling(1 / 255, name="rescaling")(inputs)
    """
    specs, _, err = walk(cfg)
    if err is not None:
        raise err
    lines = [
        f'"""CNN "{cfg.name}", designed in CNN Lab. Takes raw 0-255 pixels."""',
        "",
        "import keras",
        "from keras import layers",
        "",
    ]
    first = True
    for spec in specs:
        args = [_lit(a) for a in spec.args]
        args += [f"{k}={_lit(v)}" for k, v in spec.kwargs]
        args.append(f'name="{spec.name}"')
        if spec.cls == "Input":
            lines.append(f"inputs = keras.Input({', '.join(args)})")
            continue
        src = "inputs" if first else "x"
        first = False
        target = "outputs" if spec is specs[-1] else "x"
        lines.append(f"{target} = layers.{spec.cls}({', '.join(args)})({src})")
    lines += [
        f'model = keras.Model(inputs, outputs, name="{cfg.name}")',
        "model.compile(",
        f"    optimizer=keras.optimizers.Adam(learning_rate={learning_rate!r}),",
        f'    loss="{cfg.loss}",  # integer labels 0..{cfg.num_classes - 1}',
        '    metrics=["accuracy"],',
        ")",
        "model.summary()",
        "",
    ]
    return "\n".join(lines)
