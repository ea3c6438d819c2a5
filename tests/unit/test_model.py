"""cnnlab.model: the hand-computed summary equals the Keras model, layer by layer."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from cnnlab.model import (
    ACTIVATIONS,
    PRESETS,
    Augment,
    ConfigError,
    ConvBlock,
    DenseLayer,
    DropoutBlock,
    Head,
    ModelConfig,
    PoolBlock,
    build_model,
    decode_config,
    encode_config,
    keras_code,
    layer_table,
    model_stats,
    validate,
)

ROOT = Path(__file__).resolve().parents[2]

# The notebook's model.summary(), layer by layer (Keras names differ: conv2d_7, …).
NOTEBOOK_SUMMARY = [
    ((150, 150, 32), 896),
    ((75, 75, 32), 0),
    ((75, 75, 64), 18_496),
    ((37, 37, 64), 0),
    ((37, 37, 128), 73_856),
    ((18, 18, 128), 0),
    ((18, 18, 64), 73_792),
    ((9, 9, 64), 0),
    ((5184,), 0),
    ((5184,), 0),
    ((128,), 663_680),
    ((1,), 129),
]


def _keras_rows(model):
    """(name, class, shape without batch, params, trainable, non-trainable) per layer."""

    def count(weights):
        return int(sum(np.prod(w.shape) for w in weights))

    return [
        (
            layer.name,
            type(layer).__name__,
            tuple(layer.output.shape[1:]),
            layer.count_params(),
            count(layer.trainable_weights),
            count(layer.non_trainable_weights),
        )
        for layer in model.layers
    ]


def _our_rows(cfg):
    return [
        (r.name, r.kind, r.output_shape, r.params, r.trainable, r.non_trainable)
        for r in layer_table(cfg)
    ]


def test_seed_pets_is_the_notebook_model():
    rows = layer_table(PRESETS["seed_pets"])
    assert [r.kind for r in rows[:2]] == ["InputLayer", "Rescaling"]
    assert [(r.output_shape, r.params) for r in rows[2:]] == NOTEBOOK_SUMMARY
    stats = model_stats(rows)
    assert (stats.params, stats.trainable, stats.non_trainable) == (830_849, 830_849, 0)
    # The contract: rows unpack as (name, output shape, params).
    name, shape, params = rows[2]
    assert (name, shape, params) == ("conv2d_1", (150, 150, 32), 896)


def test_seed_shapes_is_the_tutorial_model():
    rows = layer_table(PRESETS["seed_shapes"])
    kinds = [r.kind for r in rows]
    assert kinds == [
        "InputLayer",
        "Rescaling",
        *["Conv2D", "BatchNormalization", "ReLU", "MaxPooling2D"] * 2,
        *["Conv2D", "BatchNormalization", "ReLU"],
        "GlobalAveragePooling2D",
        "Dropout",
        "Dense",
    ]
    # The tutorial's shape table: (32,32,16) → (16,16,16) → … → (64) → (#classes)
    shapes = [r.output_shape for r in rows if r.kind in ("Conv2D", "MaxPooling2D")]
    assert shapes == [(32, 32, 16), (16, 16, 16), (16, 16, 32), (8, 8, 32), (8, 8, 64)]
    assert rows[-3].output_shape == (64,) and rows[-1].output_shape == (2,)
    stats = model_stats(rows)
    assert (stats.params, stats.trainable, stats.non_trainable) == (23_762, 23_538, 224)


def test_step6_variants_differ_as_the_tutorial_says():
    p = {k: model_stats(layer_table(v)).params for k, v in PRESETS.items()}
    assert p["shapes_flatten"] == 23_762 - 130 + 8 * 8 * 64 * 128 + 128 + 128 * 2 + 2
    assert p["shapes_valid"] == 23_762  # same weights, smaller maps
    last = [r for r in layer_table(PRESETS["shapes_valid"]) if r.kind == "Conv2D"][-1]
    assert last.output_shape == (4, 4, 64)  # 32→30→15→13→6→4
    assert p["shapes_constant"] < p["seed_shapes"] < p["shapes_stride2"]
    kinds = {r.kind for r in layer_table(PRESETS["shapes_stride2"])}
    assert "MaxPooling2D" not in kinds


@pytest.mark.keras
@pytest.mark.parametrize("name", sorted(PRESETS))
def test_layer_table_equals_keras_for_presets(name):
    import keras

    keras.backend.clear_session()
    cfg = PRESETS[name]
    model = build_model(cfg)
    assert _keras_rows(model) == _our_rows(cfg)
    assert model.count_params() == model_stats(layer_table(cfg)).params
    assert model.name == cfg.name


def _random_config(rng: random.Random) -> ModelConfig:
    blocks = []
    for _ in range(rng.randint(0, 6)):
        kind = rng.choice(["conv", "conv", "pool", "dropout"])
        if kind == "conv":
            blocks.append(
                ConvBlock(
                    filters=rng.randint(1, 12),
                    kernel_size=rng.randint(1, 5),
                    strides=rng.choice([1, 1, 2, 3]),
                    padding=rng.choice(["same", "valid"]),
                    activation=rng.choice(ACTIVATIONS),
                    batch_norm=rng.random() < 0.4,
                    use_bias=rng.random() < 0.6,
                )
            )
        elif kind == "pool":
            blocks.append(
                PoolBlock(
                    mode=rng.choice(["max", "avg"]),
                    pool_size=rng.randint(1, 4),
                    strides=rng.choice([None, 1, 2, 3]),
                    padding=rng.choice(["valid", "same"]),
                )
            )
        else:
            blocks.append(DropoutBlock(rng.choice([0.1, 0.5]), spatial=rng.random() < 0.5))
    dense = tuple(
        DenseLayer(rng.randint(1, 16), rng.choice(ACTIVATIONS), rng.choice([0.0, 0.0, 0.3]))
        for _ in range(rng.randint(0, 2))
    )
    k = rng.randint(2, 5)
    return ModelConfig(
        input_shape=(rng.randint(4, 24), rng.randint(4, 24), rng.choice([1, 3])),
        blocks=tuple(blocks),
        head=Head(rng.choice(["flatten", "gap"]), rng.choice([0.0, 0.25]), dense),
        num_classes=k,
        output="sigmoid" if k == 2 and rng.random() < 0.5 else "softmax",
        rescale=rng.random() < 0.8,
        augment=Augment(
            flip=rng.choice(["none", "horizontal", "vertical", "horizontal_and_vertical"]),
            rotation=rng.choice([0.0, 0.1]),
            zoom=rng.choice([0.0, 0.2]),
            contrast=rng.choice([0.0, 0.3]),
            brightness=rng.choice([0.0, 0.2]),
        ),
        name=f"random_{rng.randint(0, 10**6)}",
    )


@pytest.mark.slow
@pytest.mark.keras
def test_layer_table_equals_keras_for_200_random_configs():
    import keras

    rng = random.Random(20240605)
    valid = invalid = 0
    while valid < 200:
        cfg = _random_config(rng)
        keras.backend.clear_session(free_memory=(valid + invalid) % 50 == 0)  # gc is slow
        try:
            ours = _our_rows(cfg)
        except ConfigError as err:
            invalid += 1
            assert err.code == "too_big", err  # the generator only breaks window sizes
            with pytest.raises(ValueError):  # …and Keras refuses them too
                _keras_blocks_only(cfg)
            continue
        assert _keras_rows(build_model(cfg)) == ours, cfg
        assert ModelConfig.from_dict(json.loads(json.dumps(cfg.to_dict()))) == cfg
        valid += 1
    assert invalid > 10  # the generator did explore invalid designs


def _keras_blocks_only(cfg):
    """The conv and pool blocks built by Keras alone (no ConfigError), to see Keras refuse."""
    import keras

    x = inputs = keras.Input(shape=cfg.input_shape)
    for b in cfg.blocks:
        if isinstance(b, ConvBlock):
            x = keras.layers.Conv2D(b.filters, b.kernel_size, strides=b.strides, padding=b.padding)(
                x
            )
        elif isinstance(b, PoolBlock):
            pool = keras.layers.MaxPooling2D if b.mode == "max" else keras.layers.AveragePooling2D
            x = pool(b.pool_size, strides=b.strides, padding=b.padding)(x)
    return keras.Model(inputs, x)


@pytest.mark.parametrize(
    "cfg,where,code,words",
    [
        (
            replace(
                PRESETS["seed_shapes"],
                input_shape=(4, 4, 1),
                blocks=(ConvBlock(8, 5, padding="valid"),),
            ),
            0,
            "too_big",
            ["conv2d_1", "5×5 kernel", "4-pixel", "would be 0"],
        ),
        (
            replace(PRESETS["seed_pets"], input_shape=(8, 8, 3)),
            7,
            "too_big",
            ["max_pool_4", "2×2 window", "1-pixel", "output side would be 0"],
        ),
        (
            replace(PRESETS["seed_shapes"], blocks=(ConvBlock(0),)),
            0,
            "positive",
            ["conv2d_1", "filters", "got 0"],
        ),
        (
            replace(PRESETS["seed_shapes"], blocks=(ConvBlock(8), PoolBlock(pool_size=0))),
            1,
            "positive",
            ["max_pool_1", "pool_size", "got 0"],
        ),
        (
            replace(PRESETS["seed_shapes"], blocks=(ConvBlock(8, padding="full"),)),
            0,
            "choice",
            ["conv2d_1", "padding", "'full'"],
        ),
        (
            replace(PRESETS["seed_shapes"], blocks=(DropoutBlock(1.0),)),
            0,
            "fraction",
            ["dropout_1", "rate", "1.0"],
        ),
        (
            replace(PRESETS["seed_pets"], num_classes=3),
            "output",
            "sigmoid",
            ["sigmoid", "got 3"],
        ),
        (replace(PRESETS["seed_pets"], num_classes=1), "output", "classes", ["got 1"]),
        (
            replace(PRESETS["seed_pets"], input_shape=(0, 150, 3)),
            "input",
            "positive",
            ["height", "got 0"],
        ),
        (
            replace(PRESETS["seed_pets"], head=Head(dense=(DenseLayer(0),))),
            "head",
            "positive",
            ["dense_1", "units", "got 0"],
        ),
        (
            replace(PRESETS["seed_pets"], augment=Augment(rotation=2.0)),
            "augment",
            "fraction",
            ["random_rotation", "2.0"],
        ),
    ],
)
def test_invalid_configs_name_the_layer_and_the_numbers(cfg, where, code, words):
    with pytest.raises(ValueError) as info:
        validate(cfg)
    err = info.value
    assert isinstance(err, ConfigError)
    assert (err.where, err.code) == (where, code)
    for word in words:
        assert word in str(err), (word, str(err))
    with pytest.raises(ConfigError):
        layer_table(cfg)
    with pytest.raises(ConfigError):
        keras_code(cfg)
    with pytest.raises(ConfigError):
        build_model(cfg)  # refused before Keras is even imported


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_to_dict_round_trips_through_json_and_the_url(name):
    cfg = PRESETS[name]
    d = cfg.to_dict()
    assert ModelConfig.from_dict(json.loads(json.dumps(d))) == cfg
    assert decode_config(encode_config(cfg)) == cfg
    assert len(encode_config(cfg)) < 400


def test_from_dict_and_decode_reject_garbage():
    with pytest.raises(ValueError, match="filterz"):
        ModelConfig.from_dict({"blocks": [{"kind": "conv", "filterz": 3}]})
    with pytest.raises(ValueError, match="'dense'"):
        ModelConfig.from_dict({"blocks": [{"kind": "dense"}]})
    with pytest.raises(ValueError, match="input_shape"):
        ModelConfig.from_dict({"input_shape": [32, 32]})
    with pytest.raises(ValueError):
        decode_config("not-base64!!")


def test_with_data_follows_the_dataset():
    cfg = PRESETS["seed_pets"].with_data(input_shape=(64, 64, 1), num_classes=2)
    assert (
        cfg.input_shape == (64, 64, 1)
        and cfg.output == "sigmoid"
        and cfg.loss == "binary_crossentropy"
    )
    cfg3 = PRESETS["seed_pets"].with_data(num_classes=3)
    assert cfg3.output == "softmax" and cfg3.output_units == 3
    assert layer_table(cfg3)[-1].output_shape == (3,)
    assert cfg.blocks == PRESETS["seed_pets"].blocks  # the design itself is unchanged


def test_flops_and_memory_by_hand():
    cfg = ModelConfig(
        input_shape=(8, 8, 1),
        blocks=(ConvBlock(4, 3), PoolBlock()),
        head=Head("gap"),
        rescale=False,
    )
    rows = layer_table(cfg)
    conv = rows[1]
    assert conv.flops == 2 * 9 * 1 * 4 * 64 + 4 * 64 + 4 * 64  # MACs×2 + bias + ReLU
    assert rows[2].flops == 4 * (4 * 4 * 4)  # 2×2 windows per output
    stats = model_stats(rows)
    assert stats.activation_bytes == 4 * (64 + 256 + 64 + 4 + 2)
    assert stats.param_bytes == 4 * stats.params


@pytest.mark.keras
@pytest.mark.parametrize("name", ["seed_pets", "seed_shapes", "pets_gap"])
def test_keras_code_builds_the_same_model(name):
    import keras

    keras.backend.clear_session()
    cfg = replace(PRESETS[name], augment=Augment(flip="horizontal", rotation=0.05))
    ns: dict = {}
    exec(compile(keras_code(cfg), "model.py", "exec"), ns)  # noqa: S102 - our own source
    assert _keras_rows(ns["model"]) == _our_rows(cfg)
    assert ns["model"].loss == cfg.loss


@pytest.mark.slow
@pytest.mark.keras
def test_keras_code_is_a_stand_alone_script(tmp_path):
    cfg = PRESETS["seed_pets"]
    script = tmp_path / "model.py"
    script.write_text(keras_code(cfg) + "\nprint('PARAMS', model.count_params())\n")
    out = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=300, check=True
    ).stdout
    assert "PARAMS 830849" in out


_BACKEND_CHECK = """
import sys
from cnnlab.model import PRESETS, build_model, layer_table
for name, cfg in PRESETS.items():
    model = build_model(cfg)
    assert model.count_params() == sum(r.params for r in layer_table(cfg)), name
    shapes = [tuple(layer.output.shape[1:]) for layer in model.layers]
    assert shapes == [r.output_shape for r in layer_table(cfg)], name
assert "tensorflow" not in sys.modules
print("ok")
"""


@pytest.mark.slow
@pytest.mark.keras
@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_build_model_works_on_other_backends(backend):
    import importlib.util

    if importlib.util.find_spec(backend) is None:
        pytest.skip(f"{backend} is not installed here (the GPU machine has it)")
    out = subprocess.run(
        [sys.executable, "-c", _BACKEND_CHECK],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
        env={**os.environ, "KERAS_BACKEND": backend},
    )
    assert out.stdout.strip().endswith("ok"), out.stderr[-3000:]


@pytest.mark.parametrize("name", ["seed_pets", "seed_shapes", "shapes_flatten"])
def test_figures_are_valid_plotly_and_show_every_stage(name):
    import plotly.graph_objects as go

    from cnnlab import viz as viz_model

    rows = layer_table(PRESETS[name])
    flow = viz_model.tensor_figure(rows, labels={"conv": "conv"})
    bars = viz_model.params_figure(rows)
    both = viz_model.compare_figure([rows, layer_table(PRESETS["seed_shapes"])], ["a", "b"])
    for fig in (flow, bars, both):
        go.Figure(fig.to_dict())  # the builders skip validation; validate here once
    stages = [
        r
        for r in rows
        if r.kind
        in ("InputLayer", "Conv2D", "MaxPooling2D", "Flatten", "GlobalAveragePooling2D", "Dense")
    ]
    assert len(flow.data[0].x) == len(stages)  # one hover point per drawn tensor
    texts = [a.text.replace("<br>", "") for a in flow.layout.annotations]
    assert "×".join(map(str, rows[0].output_shape)) in texts
    assert list(bars.data[0].y) == [r.name for r in rows if r.params]
    groups = viz_model.param_groups(rows)
    assert sum(groups.values()) == model_stats(rows).params


def test_a_design_cut_short_draws_no_output_stage():
    """The flow of an invalid design ends at its last valid layer, not at an "output"."""
    from cnnlab import viz as viz_model
    from cnnlab.model import PoolBlock, walk

    cut = replace(
        PRESETS["seed_shapes"], blocks=(*PRESETS["seed_shapes"].blocks,) + (PoolBlock(),) * 4
    )
    _, rows, err = walk(cut)
    assert err is not None and rows[-1].kind == "MaxPooling2D"
    labels = {"pool": "POOL", "output": "OUT"}
    cut_texts = [a.text for a in viz_model.tensor_figure(rows, labels=labels).layout.annotations]
    assert "OUT" not in cut_texts and "POOL" in cut_texts
    full = viz_model.tensor_figure(layer_table(PRESETS["seed_shapes"]), labels=labels)
    assert "OUT" in [a.text for a in full.layout.annotations]


def test_layer_table_does_not_import_keras():
    code = (
        "import sys; from cnnlab.model import PRESETS, layer_table, keras_code; "
        "[layer_table(c) and keras_code(c) for c in PRESETS.values()]; "
        "print('keras' in sys.modules, 'tensorflow' in sys.modules, 'streamlit' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert out.stdout.split() == ["False", "False", "False"]


# ----------------------------------------------------------------- L2 weight decay
def _l2_design(conv_l2=(1e-3, 0.0, 1e-2), dense_l2=(5e-4, 0.0)):
    """Conv blocks (with and without bias/BatchNorm) and dense layers, each its own L2."""
    return ModelConfig(
        input_shape=(12, 12, 2),
        blocks=(
            ConvBlock(4, l2=conv_l2[0]),
            PoolBlock(),
            ConvBlock(6, 5, l2=conv_l2[1]),
            ConvBlock(8, batch_norm=True, use_bias=False, l2=conv_l2[2]),
        ),
        head=Head("flatten", dense=(DenseLayer(10, l2=dense_l2[0]), DenseLayer(7, l2=dense_l2[1]))),
        num_classes=3,
        name="l2_design",
    )


def _strip_l2(d):
    """A ModelConfig dict as written before the L2 field existed."""
    d = json.loads(json.dumps(d))
    for b in d["blocks"]:
        b.pop("l2", None)
    for x in d["head"]["dense"]:
        x.pop("l2", None)
    return d


def test_l2_is_part_of_the_config_and_round_trips():
    assert ConvBlock().l2 == 0.0 and DenseLayer().l2 == 0.0  # default: no weight decay
    cfg = _l2_design()
    d = cfg.to_dict()
    assert [b.get("l2") for b in d["blocks"]] == [1e-3, None, 0.0, 1e-2]  # pool: no field
    assert [x["l2"] for x in d["head"]["dense"]] == [5e-4, 0.0]
    assert ModelConfig.from_dict(json.loads(json.dumps(d))) == cfg
    assert decode_config(encode_config(cfg)) == cfg
    validate(cfg)


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_a_dict_from_before_l2_still_loads(name):
    old = _strip_l2(PRESETS[name].to_dict())
    cfg = ModelConfig.from_dict(old)
    if name == "shapes_l2":
        assert cfg == replace(PRESETS["seed_shapes"], name="shapes_l2")  # decay gone: none
    else:
        assert cfg == PRESETS[name]


@pytest.mark.parametrize("bad", [-1e-3, -1, float("nan"), float("inf"), -float("inf"),
                                 True, False, "0.01", None, [0.1]])  # fmt: skip
@pytest.mark.parametrize("where", ["conv", "dense"])
def test_invalid_l2_is_refused_quoting_the_value(bad, where):
    if where == "conv":
        cfg = _l2_design(conv_l2=(0.0, bad, 0.0))
        at, layer = 2, "conv2d_2"
    else:
        cfg = _l2_design(dense_l2=(0.0, bad))
        at, layer = "head", "dense_2"
    with pytest.raises(ValueError) as info:
        validate(cfg)
    err = info.value
    assert isinstance(err, ConfigError)
    assert (err.where, err.layer, err.code) == (at, layer, "non_negative")
    assert err.params["field"] == "l2" and f"got {bad!r}" in str(err)
    for make in (layer_table, keras_code, build_model):  # build_model: before Keras loads
        with pytest.raises(ConfigError):
            make(cfg)


def test_l2_changes_no_shape_nor_parameter_and_presets_are_unchanged():
    plain = _l2_design(conv_l2=(0.0, 0.0, 0.0), dense_l2=(0.0, 0.0))
    assert [tuple(r) for r in layer_table(_l2_design())] == [tuple(r) for r in layer_table(plain)]
    assert model_stats(layer_table(PRESETS["seed_pets"])).params == 830_849
    assert model_stats(layer_table(PRESETS["seed_shapes"])).params == 23_762
    assert model_stats(layer_table(PRESETS["shapes_l2"])).params == 23_762
    for name, cfg in PRESETS.items():
        code = keras_code(cfg)
        assert ("regularizers" in code) == (name == "shapes_l2"), name
    # shapes_l2 is the tutorial's model with 1e-3 on each conv kernel, nothing else.
    l2 = PRESETS["shapes_l2"]
    assert [getattr(b, "l2", None) for b in l2.blocks] == [1e-3, None, 1e-3, None, 1e-3]
    assert (
        replace(
            l2,
            blocks=tuple(replace(b, l2=0.0) if isinstance(b, ConvBlock) else b for b in l2.blocks),
            name="seed_shapes",
        )
        == PRESETS["seed_shapes"]
    )
    assert "kernel_regularizer=keras.regularizers.L2(0.001)" in keras_code(l2)


def _penalty(model, factors):
    """factor · Σ kernel² in float64 NumPy, over the layers named in ``factors``."""
    return sum(
        f * np.sum(np.asarray(model.get_layer(name).kernel, dtype=np.float64) ** 2)
        for name, f in factors.items()
    )


@pytest.mark.keras
@pytest.mark.parametrize(
    ("kind", "cfg", "factors"),
    [
        (
            "conv",
            _l2_design(dense_l2=(0.0, 0.0)),
            {"conv2d_1": 1e-3, "conv2d_3": 1e-2},
        ),
        ("dense", _l2_design(conv_l2=(0.0, 0.0, 0.0)), {"dense_1": 5e-4}),
        ("both", _l2_design(), {"conv2d_1": 1e-3, "conv2d_3": 1e-2, "dense_1": 5e-4}),
        ("preset", PRESETS["shapes_l2"], {"conv2d_1": 1e-3, "conv2d_2": 1e-3, "conv2d_3": 1e-3}),
    ],
)
def test_build_model_losses_equal_numpy_l2(kind, cfg, factors):
    import keras

    keras.backend.clear_session()
    model = build_model(cfg)
    assert len(model.losses) == len(factors), kind
    np.testing.assert_allclose(
        float(sum(float(x) for x in model.losses)), _penalty(model, factors), rtol=1e-5
    )
    for layer in model.layers:  # the kernel is penalised; the bias never is
        reg = getattr(layer, "kernel_regularizer", None)
        if layer.name in factors:
            assert isinstance(reg, keras.regularizers.L2)
            np.testing.assert_allclose(reg.l2, factors[layer.name])
        else:
            assert reg is None, layer.name
        assert getattr(layer, "bias_regularizer", None) is None
    # After new weights, the penalty follows them (it is computed, not stored).
    rng = np.random.default_rng(0)
    model.set_weights([rng.normal(size=w.shape).astype("float32") for w in model.get_weights()])
    np.testing.assert_allclose(
        float(sum(float(x) for x in model.losses)), _penalty(model, factors), rtol=1e-5
    )


@pytest.mark.keras
@pytest.mark.parametrize("name", ["shapes_l2", "l2_design"])
def test_keras_code_builds_the_same_penalty(name):
    import keras

    keras.backend.clear_session()
    cfg = PRESETS.get(name) or _l2_design()
    built = build_model(cfg)
    ns: dict = {}
    exec(compile(keras_code(cfg), "model.py", "exec"), ns)  # noqa: S102 - our own source
    coded = ns["model"]
    assert _keras_rows(coded) == _our_rows(cfg)
    coded.set_weights(built.get_weights())
    ours = [float(x) for x in built.losses]
    theirs = [float(x) for x in coded.losses]
    assert len(ours) == len(theirs) > 0
    np.testing.assert_allclose(sorted(theirs), sorted(ours), rtol=1e-6)
    # …and the loss fit minimises: the same penalty on top of the same cross-entropy.
    x = np.random.default_rng(1).integers(0, 256, size=(4, *cfg.input_shape)).astype("float32")
    y = np.array([0, 1, 0, 1])
    built.compile(loss=cfg.loss)  # the script compiled its own model, with accuracy too
    loss = {m: m.evaluate(x, y, verbose=0, return_dict=True)["loss"] for m in (built, coded)}
    np.testing.assert_allclose(loss[coded], loss[built], rtol=1e-5)
    probs = np.asarray(built.predict(x, verbose=0), dtype=np.float64)
    ce = -np.mean(np.log(probs[np.arange(len(y)), y]))  # sparse categorical cross-entropy
    np.testing.assert_allclose(loss[built], ce + sum(ours), rtol=1e-4)
    keras.backend.clear_session()
    plain = build_model(replace(cfg, blocks=(), head=Head(cfg.head.pooling), name="x"))
    assert plain.losses == []  # no L2 anywhere: no penalty term at all
