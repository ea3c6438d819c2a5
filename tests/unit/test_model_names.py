"""Edited designs get a name that says what changed (cnnlab.model.edited_name)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cnnlab.model import (
    PRESETS,
    ConvBlock,
    DenseLayer,
    ModelConfig,
    PoolBlock,
    changes,
    edited_name,
    keras_code,
)

SHAPES = PRESETS["seed_shapes"]
PETS = PRESETS["seed_pets"]


def _block(cfg: ModelConfig, i: int, **kw) -> ModelConfig:
    blocks = list(cfg.blocks)
    blocks[i] = replace(blocks[i], **kw)
    return replace(cfg, blocks=tuple(blocks))


@pytest.mark.parametrize("name", list(PRESETS))
def test_an_unchanged_preset_keeps_its_name(name):
    cfg = PRESETS[name]
    assert edited_name(cfg, cfg) == name
    assert edited_name(cfg, replace(cfg, name="anything")) == name  # its own name is ignored
    assert changes(cfg, cfg) == ()


@pytest.mark.parametrize(
    ("edit", "name"),
    [
        (lambda c: _block(c, 0, filters=24), "seed_shapes+filters"),
        (lambda c: _block(c, 2, kernel_size=5), "seed_shapes+kernel"),
        (lambda c: _block(c, 0, strides=2), "seed_shapes+stride"),
        (lambda c: _block(c, 0, padding="valid"), "seed_shapes+padding"),
        (lambda c: _block(c, 0, activation="elu"), "seed_shapes+activation"),
        (lambda c: _block(c, 0, batch_norm=False), "seed_shapes+batchnorm"),
        (lambda c: _block(c, 0, use_bias=True), "seed_shapes+bias"),
        (lambda c: _block(c, 4, l2=1e-3), "seed_shapes+l2"),
        (lambda c: _block(c, 1, mode="avg"), "seed_shapes+pool"),
        (lambda c: _block(c, 1, pool_size=3), "seed_shapes+pool"),
        (lambda c: replace(c, blocks=(*c.blocks, PoolBlock())), "seed_shapes+blocks"),
        (lambda c: replace(c, blocks=c.blocks[:-1]), "seed_shapes+blocks"),
        (
            lambda c: replace(c, blocks=(c.blocks[1], c.blocks[0], *c.blocks[2:])),
            "seed_shapes+blocks",
        ),
        (lambda c: replace(c, input_shape=(64, 64, 1)), "seed_shapes+input"),
        (lambda c: replace(c, rescale=False), "seed_shapes+rescale"),
        (lambda c: replace(c, augment=replace(c.augment, zoom=0.1)), "seed_shapes+augment"),
        (lambda c: replace(c, head=replace(c.head, pooling="flatten")), "seed_shapes+flatten"),
        (lambda c: replace(c, head=replace(c.head, dropout=0.5)), "seed_shapes+head_dropout"),
        (lambda c: replace(c, head=replace(c.head, dense=(DenseLayer(64),))), "seed_shapes+dense"),
        (lambda c: replace(c, num_classes=3), "seed_shapes+classes"),
        (lambda c: replace(c, output="sigmoid"), "seed_shapes+sigmoid"),
    ],
)
def test_one_change_is_named(edit, name):
    assert edited_name(SHAPES, edit(SHAPES)) == name


def test_the_two_models_the_issue_found_under_one_name_are_told_apart():
    wider = _block(SHAPES, 0, filters=24)
    decayed = _block(_block(SHAPES, 2, kernel_size=5), 4, l2=1e-3)
    names = {edited_name(SHAPES, c) for c in (SHAPES, wider, decayed)}
    assert names == {"seed_shapes", "seed_shapes+filters", "seed_shapes+kernel+l2"}


def test_aspects_come_in_model_order_and_more_than_three_end_in_more():
    cfg = replace(
        _block(_block(SHAPES, 0, filters=8, kernel_size=5), 2, l2=1e-4),
        input_shape=(48, 48, 3),
        output="sigmoid",
    )
    assert changes(SHAPES, cfg) == ("input", "filters", "kernel", "l2", "sigmoid")
    assert edited_name(SHAPES, cfg) == "seed_shapes+input+filters+kernel+more"


def test_dense_units_and_dense_weight_decay_are_told_apart():
    d = PETS.head.dense[0]
    units = replace(PETS, head=replace(PETS.head, dense=(replace(d, units=64),)))
    l2 = replace(PETS, head=replace(PETS.head, dense=(replace(d, l2=1e-4),)))
    assert edited_name(PETS, units) == "seed_pets+dense"
    assert edited_name(PETS, l2) == "seed_pets+dense_l2"


def test_deterministic_keras_safe_and_usable_in_code():
    cfg = _block(SHAPES, 0, filters=24)
    name = edited_name(SHAPES, cfg)
    assert name == edited_name(SHAPES, cfg) and "/" not in name and name.isascii()
    assert f'name="{name}"' in keras_code(replace(cfg, name=name))


def test_nonsense_values_from_a_link_do_not_raise():
    weird = replace(
        SHAPES,
        blocks=(ConvBlock(filters="abc", l2=float("nan")), *SHAPES.blocks[1:]),  # type: ignore[arg-type]
        head=replace(SHAPES.head, pooling="?"),
        output=None,  # type: ignore[arg-type]
    )
    assert edited_name(SHAPES, weird).startswith("seed_shapes+")
