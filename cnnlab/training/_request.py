"""A run request: everything one training run needs, checked once, JSON both ways.

The dashboard, the command line and a notebook make the same request; the run's row keeps
it (``RunRecord.request``), and whoever trains the run (a local worker, a Ray task, the
command line itself) rebuilds the data from its spec, never from pickled arrays.

>>> req = RunRequest.from_dict({"model": "seed_shapes", "data": {"source": "shapes",
...     "n": 200}, "train": {"epochs": 1}, "name": "demo"})
>>> req.model.name, req.data.n, req.train.epochs
('seed_shapes', 200, 1)
>>> RunRequest.from_dict({"data": {"source": "shapes", "val_fraction": 0.3}})
Traceback (most recent call last):
...
ValueError: data: val_fraction belongs under "split", as in {"split": {"val_fraction": 0.3}}
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cnnlab.data import DatasetSpec, SplitSpec, parse_spec
from cnnlab.model import PRESETS, ModelConfig, layer_table
from cnnlab.training._config import TrainConfig

if TYPE_CHECKING:
    from cnnlab._progress import Progress
    from cnnlab.data import Dataset

__all__ = ["RunRequest", "resolve_model", "schema", "SCHEMA_PATH"]

SCHEMA_PATH = Path(__file__).with_name("run.schema.json")  # the published JSON Schema
_KEYS = ("name", "model", "data", "train", "tags")


def resolve_model(
    model: ModelConfig, input_shape: tuple[int, ...], num_classes: int
) -> tuple[ModelConfig, int]:
    """The design sized to the data and its parameter count: the one check that a design
    is possible. Raises ValueError (naming the layer) when it is not.

    >>> cfg, n = resolve_model(PRESETS["seed_shapes"], (32, 32, 1), 2)
    >>> n
    23762
    """
    cfg = model.with_data(input_shape=tuple(input_shape), num_classes=int(num_classes))  # type: ignore[arg-type]
    return cfg, sum(r.params for r in layer_table(cfg))


def _model(raw: object) -> ModelConfig:
    if isinstance(raw, ModelConfig):
        return raw
    if isinstance(raw, str):
        if raw not in PRESETS:
            raise ValueError(f"model: no preset named {raw!r}; presets: {sorted(PRESETS)}")
        return PRESETS[raw]
    if isinstance(raw, dict):
        return ModelConfig.from_dict(raw)
    raise ValueError(f"model: a preset name or a model object, got {raw!r:.60}")


def _data(raw: object) -> DatasetSpec:
    if isinstance(raw, dict):
        for key in ("val_fraction", "test_fraction"):
            if key in raw:
                raise ValueError(
                    f'data: {key} belongs under "split", as in {{"split": {{"{key}": '
                    f"{raw[key]!r}}}}}"
                )
        if raw.get("source") == "folder" and str(raw.get("path", "")).startswith(("/", "\\")):
            raise ValueError(
                "data: a folder path is relative to the data root (CNNLAB_DATA_ROOT), "
                f'for example "PetImages", not {raw["path"]!r}'
            )
    try:
        return parse_spec(raw)  # type: ignore[arg-type]
    except ValueError as exc:
        raise ValueError(f"data: {exc}") from exc


@dataclass(frozen=True)
class RunRequest:
    """One training run as asked for: design, data, settings, name and tags."""

    model: ModelConfig  # as designed; its input shape and class count follow the data
    data: DatasetSpec  # where the images come from, with its train/validation split
    train: TrainConfig = field(default_factory=TrainConfig)
    name: str = ""  # for people: shown in tables and legends
    tags: tuple[str, ...] = ()  # e.g. ("challenge",) or the step-6 experiment tags

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or len(self.name) > 200:
            raise ValueError(f"name: a text of at most 200 characters, got {self.name!r:.60}")
        if not all(isinstance(t, str) for t in self.tags):
            raise ValueError(f"tags: a list of texts, got {self.tags!r:.60}")

    @classmethod
    def from_dict(cls, raw: object) -> RunRequest:
        """A request from its JSON form (the command line's config file); ValueError that
        names the part at fault otherwise."""
        if not isinstance(raw, dict):
            raise ValueError(f"a run config must be a JSON object, got {raw!r:.60}")
        unknown = sorted(set(raw) - set(_KEYS))
        if unknown:
            raise ValueError(f"unknown key(s) {unknown} in the run config; known: {list(_KEYS)}")
        try:
            train = TrainConfig.from_dict(raw.get("train", {}))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"train: {exc}") from exc
        tags = raw.get("tags", ())
        if not isinstance(tags, list | tuple):
            raise ValueError(f"tags: a list of texts, got {tags!r:.60}")
        return cls(
            model=_model(raw.get("model", "seed_shapes")),
            data=_data(raw.get("data", {"source": "shapes"})),
            train=train,
            name=raw.get("name", ""),
            tags=tuple(tags),
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (``from_dict(to_dict())`` gives the same request)."""
        return {
            "name": self.name,
            "model": self.model.to_dict(),
            "data": self.data.to_dict(),
            "train": self.train.to_dict(),
            "tags": list(self.tags),
        }

    def with_split(self, split: SplitSpec) -> RunRequest:
        """The same request on another train/validation split."""
        from dataclasses import replace

        return replace(self, data=replace(self.data, split=split))

    def load(self, *, progress: Progress | None = None) -> tuple[Dataset, Dataset]:
        """``(train, val)`` from the spec, through the dataset cache (``progress(done,
        total)`` while a folder decodes or an upload unpacks)."""
        from cnnlab.data import split_spec

        parts = split_spec(self.data, progress=progress)
        return parts[0], parts[1]

    def resolve(
        self, *, progress: Progress | None = None
    ) -> tuple[ModelConfig, int, tuple[Dataset, Dataset]]:
        """Load the data and size the design to it: ``(model, params, (train, val))``.
        ValueError when the data cannot load or the design cannot take it."""
        tr, va = self.load(progress=progress)
        if len(tr) == 0 or len(va) == 0:
            raise ValueError(
                f"the data gives {len(tr)} training and {len(va)} validation images; "
                "both parts need at least one"
            )
        cfg, params = resolve_model(self.model, tr.image_shape, len(tr.class_names))
        return cfg, params, (tr, va)


def schema() -> dict[str, Any]:
    """The published JSON Schema of a run config (``cnnlab/training/run.schema.json``)."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def _schema_fields() -> list[str]:  # for the test that the schema names every field
    return [f.name for f in fields(TrainConfig)]
