"""Names for edited designs: a preset's name plus what was changed in it.

A design opened from a preset and then edited is a different model: Train and
Experiments list it by its ``ModelConfig.name``, so keeping the preset's name would put
two models (say 23,762 and 26,170 parameters) under one name. :func:`edited_name` gives
the edited design its preset's name followed by the aspects that differ, in the order a
model is read (input, blocks, head, output)::

    seed_shapes                  unchanged
    seed_shapes+filters          a conv block's filter count
    seed_shapes+kernel+l2        kernel size and weight decay
    seed_shapes+flatten          the head's pooling became Flatten
    seed_shapes+blocks           blocks added, removed or reordered
    seed_shapes+input+filters+kernel+more   more than three aspects

The words are Keras-style identifiers (never translated): a name is stored with every run.
"""

from __future__ import annotations

from dataclasses import fields, replace

from cnnlab.model._config import Augment, Block, Head, ModelConfig

__all__ = ["MAX_CHANGES", "changes", "edited_name"]

MAX_CHANGES = 3  # aspects named in full; more end in "+more"

# A block field → the word naming it. Several fields may share a word (the pooling window
# and its stride are both "pool"); a block's kind is never compared here (see "blocks").
_BLOCK_WORDS = {
    "filters": "filters",
    "kernel_size": "kernel",
    "strides": "stride",
    "padding": "padding",
    "activation": "activation",
    "batch_norm": "batchnorm",
    "use_bias": "bias",
    "l2": "l2",
    "mode": "pool",
    "pool_size": "pool",
    "rate": "dropout",
    "spatial": "dropout",
}
# Every word, in the order a model is read: the order of the aspects in a name.
_ORDER = (
    "input",
    "rescale",
    "augment",
    "blocks",
    *dict.fromkeys(_BLOCK_WORDS.values()),
    "flatten",
    "gap",
    "head_dropout",
    "dense",
    "dense_l2",
    "classes",
    "sigmoid",
    "softmax",
)


def _block_changes(base: tuple[Block, ...], cfg: tuple[Block, ...]) -> set[str]:
    if [b.kind for b in base] != [b.kind for b in cfg]:
        return {"blocks"}  # added, removed or reordered: field by field means nothing
    out = set()
    for a, b in zip(base, cfg, strict=True):
        for f in fields(a):
            if getattr(a, f.name) != getattr(b, f.name):
                out.add(_BLOCK_WORDS.get(f.name, "blocks"))
    return out


def _head_changes(base: Head, cfg: Head) -> set[str]:
    out = set()
    if base.pooling != cfg.pooling:
        out.add(str(cfg.pooling) if cfg.pooling in ("flatten", "gap") else "head")
    if base.dropout != cfg.dropout:
        out.add("head_dropout")
    if len(base.dense) != len(cfg.dense):
        out.add("dense")
    else:
        for a, b in zip(base.dense, cfg.dense, strict=True):
            if replace(a, l2=0.0) != replace(b, l2=0.0):
                out.add("dense")
            if a.l2 != b.l2:
                out.add("dense_l2")
    return out


def changes(base: ModelConfig, cfg: ModelConfig) -> tuple[str, ...]:
    """The aspects in which ``cfg`` differs from ``base`` (names ignored), model order.

    Words: ``input`` (shape), ``rescale``, ``augment``, ``blocks`` (added, removed or
    reordered), a block field (``filters``, ``kernel``, ``stride``, ``padding``,
    ``activation``, ``batchnorm``, ``bias``, ``l2``, ``pool``, ``dropout``), the head's new
    pooling (``flatten`` or ``gap``), ``head_dropout``, ``dense`` (layers or units),
    ``dense_l2``, ``classes`` and the new output (``sigmoid`` or ``softmax``).

    >>> from cnnlab.model import PRESETS
    >>> base = PRESETS["seed_shapes"]
    >>> changes(base, replace(base, num_classes=3, output="softmax"))
    ('classes',)
    """
    found: set[str] = set()
    if tuple(base.input_shape) != tuple(cfg.input_shape):
        found.add("input")
    if base.rescale != cfg.rescale:
        found.add("rescale")
    if base.augment != cfg.augment or not isinstance(cfg.augment, Augment):
        found.add("augment")
    found |= _block_changes(base.blocks, cfg.blocks)
    found |= _head_changes(base.head, cfg.head)
    if base.num_classes != cfg.num_classes:
        found.add("classes")
    if base.output != cfg.output:
        found.add(str(cfg.output) if cfg.output in ("sigmoid", "softmax") else "output")
    rank = {w: i for i, w in enumerate(_ORDER)}
    return tuple(sorted(found, key=lambda w: (rank.get(w, len(rank)), w)))


def edited_name(base: ModelConfig, cfg: ModelConfig) -> str:
    """``base.name`` when ``cfg`` is ``base`` (whatever its name), else the name plus
    the changed aspects (:func:`changes`): at most :data:`MAX_CHANGES`, then ``+more``.

    Deterministic and short; a valid Keras model name (no ``/``).

    >>> from cnnlab.model import PRESETS
    >>> base = PRESETS["seed_shapes"]
    >>> edited_name(base, base)
    'seed_shapes'
    >>> edited_name(base, replace(base, blocks=(replace(base.blocks[0], filters=24),
    ...                                         *base.blocks[1:])))
    'seed_shapes+filters'
    """
    words = changes(base, cfg)
    if len(words) > MAX_CHANGES:
        words = (*words[:MAX_CHANGES], "more")
    return "+".join((base.name, *words))
