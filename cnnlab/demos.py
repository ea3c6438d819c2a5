"""The course's two demos, ready to train: a model, its data and its training settings.

``shapes`` is the tutorial's circle-vs-square model on 2,000 synthetic 32×32 shapes
(Adam 1e-3, batch 64, 10 epochs: the tutorial's ``model.fit``). ``pets`` is the notebook's
cats-vs-dogs model (Adam 1e-3, batch 128, 10 epochs): on the notebook's own photos when a
cats-and-dogs folder (PetImages) is under the data root, at 150×150×3; otherwise on the
offline synthetic cats and dogs, with the model sized to them (its Flatten then holds
fewer weights), so that a class without the photos still trains the notebook's recipe.

>>> d = demo("shapes")
>>> d.model.name, d.data["source"], d.train.batch_size, d.train.epochs
('seed_shapes', 'shapes', 64, 10)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cnnlab.data import SOURCES, data_root, list_folders, parse_spec
from cnnlab.model import PRESETS, ModelConfig
from cnnlab.train import TrainConfig

__all__ = ["DEMOS", "Demo", "demo", "pets_folder"]

DEMOS = ("shapes", "pets")
SHAPES_DATA: dict[str, Any] = {"source": "shapes", "n": 2000, "size": 32}  # the fast demo
PETS_SIZE = (150, 150)  # the notebook's ImageDataGenerator target_size
_PET_CLASSES = ({"cat", "cats"}, {"dog", "dogs"})


@dataclass(frozen=True)
class Demo:
    """Everything one demo sets: what trains, on what, and how."""

    name: str  # a key of DEMOS
    model: ModelConfig  # the design, sized to ``data`` when it could not match it
    data: dict[str, Any]  # the dataset spec (dict form, as pages and the run store keep it)
    train: TrainConfig  # the course's settings for it
    photos: bool  # pets: the real photos were found (False: synthetic stand-ins)


def _class_names(path: Path) -> set[str]:
    try:
        with os.scandir(path) as it:
            return {e.name.lower() for e in it if e.is_dir(follow_symlinks=False)}
    except OSError:
        return set()


def pets_folder(root: str | Path | None = None) -> str | None:
    """A folder under the data root (default :func:`cnnlab.data.data_root`) whose classes
    are cats and dogs (``Cat``/``Dog``, as in the notebook's PetImages), or None.

    >>> pets_folder("/nonexistent") is None
    True
    """
    base = Path(root) if root is not None else data_root()
    for rel in list_folders(base):
        names = _class_names(base / rel)
        if all(names & wanted for wanted in _PET_CLASSES):
            return rel
    return None


def demo(name: str, *, root: str | Path | None = None) -> Demo:
    """The demo ``name`` (one of :data:`DEMOS`); ``root``: where to look for the photos."""
    if name == "shapes":
        return Demo(name, PRESETS["seed_shapes"], dict(SHAPES_DATA), TrainConfig(), False)
    if name != "pets":
        raise ValueError(f"demo must be one of {DEMOS}, got {name!r}")
    model = PRESETS["seed_pets"]
    train = TrainConfig(batch_size=128)  # the notebook's flow_from_directory batches
    folder = pets_folder(root)
    if folder is not None:
        data: Mapping[str, Any] = {
            "source": "folder", "path": folder, "image_size": list(PETS_SIZE), "channels": 3,
        }  # fmt: skip
        spec = parse_spec(data)
        return Demo(name, model, spec.to_dict(), train, True)
    if "challenge" in SOURCES:
        spec = parse_spec({"source": "challenge"})
    else:  # (a core without the synthetic pets) the colour shapes stand in
        spec = parse_spec({**SHAPES_DATA, "channels": 3})
    sized = model.with_data(input_shape=spec.input_shape, num_classes=spec.num_classes)
    return Demo(name, sized, spec.to_dict(), train, False)
