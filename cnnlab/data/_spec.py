"""Dataset recipes: small typed specs that rebuild a dataset anywhere.

One frozen dataclass per source (:class:`ShapesSpec`, :class:`ChallengeSpec`, :class:`LfwSpec`,
:class:`KerasSpec`, :class:`FolderSpec`, :class:`UploadSpec`), each with its train/validation split
(:class:`SplitSpec`), ``to_dict()`` (JSON-safe: what the URL, the run store and a config
file hold), ``describe()`` and ``num_classes``. :func:`parse_spec` reads the dict form.
The Data page publishes one; the Train page (or a notebook) calls ``from_spec`` to get the
very same images and ``split_spec`` for the same split (:mod:`cnnlab.data._load`).

>>> spec = parse_spec({"source": "shapes", "n": 500})
>>> spec.size, spec.num_classes, spec.input_shape
(32, 2, (32, 32, 1))
>>> parse_spec(spec.to_dict()) == spec
True
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any, ClassVar

from cnnlab.data._folder import parse_image_size
from cnnlab.data._keras import KERAS_SETS

__all__ = [
    "SOURCES",
    "SplitSpec",
    "ShapesSpec",
    "ChallengeSpec",
    "LfwSpec",
    "KerasSpec",
    "FolderSpec",
    "UploadSpec",
    "DatasetSpec",
    "parse_spec",
    "normalize_spec",
]


@dataclass(frozen=True, kw_only=True)
class SplitSpec:
    """How a dataset is cut into train / validation (/ test), stratified by class."""

    val_fraction: float = 0.2  # share of each class held out to validate
    test_fraction: float = 0.0  # share held out for a final test (0: no test part)
    seed: int = 0  # which images fall in which part


@dataclass(frozen=True, kw_only=True)
class _Spec:
    """Fields and behaviour every source shares; subclasses add their own fields."""

    source: ClassVar[str]
    split: SplitSpec = field(default_factory=SplitSpec)  # the split it is trained with

    def to_dict(self) -> dict[str, Any]:
        """The JSON-safe form: ``{"source": …, <fields>…, "split": {…}}``."""
        out: dict[str, Any] = {"source": self.source}
        for f in fields(self):
            if f.name != "split":
                value = getattr(self, f.name)
                out[f.name] = list(value) if isinstance(value, tuple) else value
        out["split"] = asdict(self.split)
        return out

    @property
    def num_classes(self) -> int | None:
        """Number of classes, or None when only loading can tell (folders, uploads)."""
        return None

    @property
    def input_shape(self) -> tuple[int, int, int]:
        """The model input ``(H, W, C)``, known without loading any image."""
        raise NotImplementedError

    def describe(self) -> str:
        """One line for people, in English (the dashboard words its own per language)."""
        raise NotImplementedError


@dataclass(frozen=True, kw_only=True)
class ShapesSpec(_Spec):
    """Synthetic shapes drawn by :func:`cnnlab.data.make_shapes` (the tutorial's data)."""

    source: ClassVar[str] = "shapes"
    n: int = 2000  # images in all, balanced over the classes
    size: int = 32  # side in pixels (the tutorial: 32)
    channels: int = 1  # 1 grey, 3 colour
    classes: tuple[str, ...] = ("circle", "square")  # names from SHAPE_CLASSES
    noise: float = 0.0  # Gaussian noise std as a fraction of 255
    clutter: int = 0  # distracting blobs per image
    seed: int = 0  # which shapes are drawn

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    @property
    def input_shape(self) -> tuple[int, int, int]:
        return (int(self.size), int(self.size), int(self.channels))

    def describe(self) -> str:
        h, w, c = self.input_shape
        return (
            f"shapes: {self.n:,} images {h}×{w}×{c}, classes {', '.join(self.classes)}, "
            f"noise {self.noise}, clutter {self.clutter}, seed {self.seed}"
        )


@dataclass(frozen=True, kw_only=True)
class ChallengeSpec(_Spec):
    """Synthetic cats and dogs by :func:`cnnlab.data.make_challenge`: the 10-epoch challenge."""

    source: ClassVar[str] = "challenge"
    n: int = 3000  # images in all, half cats, half dogs (the challenge: 3,000)
    size: int = 32  # side in pixels; RGB (the challenge: 32, quick on a CPU)
    seed: int = 0  # which animals are drawn

    @property
    def num_classes(self) -> int:
        return 2

    @property
    def input_shape(self) -> tuple[int, int, int]:
        return (int(self.size), int(self.size), 3)

    def describe(self) -> str:
        h, w, c = self.input_shape
        return f"challenge: {self.n:,} images {h}×{w}×{c}, classes cat, dog, seed {self.seed}"


@dataclass(frozen=True, kw_only=True)
class LfwSpec(_Spec):
    """scikit-image's 200 real 25×25 grey pictures: faces and non-faces."""

    source: ClassVar[str] = "lfw"

    @property
    def num_classes(self) -> int:
        return 2

    @property
    def input_shape(self) -> tuple[int, int, int]:
        return (25, 25, 1)

    def describe(self) -> str:
        return "lfw: 200 images 25×25×1, classes face, not face"


@dataclass(frozen=True, kw_only=True)
class KerasSpec(_Spec):
    """A dataset Keras downloads (MNIST, Fashion-MNIST, CIFAR-10), subsampled."""

    source: ClassVar[str] = "keras"
    name: str = "mnist"  # a key of KERAS_SETS
    n: int | None = 10_000  # images kept (a stratified subsample); None: all of them
    seed: int = 0  # which images are kept

    @property
    def num_classes(self) -> int:
        return len(KERAS_SETS[self.name][0])

    @property
    def input_shape(self) -> tuple[int, int, int]:
        return KERAS_SETS[self.name][1]

    def describe(self) -> str:
        h, w, c = self.input_shape
        n = "all" if self.n is None else f"{self.n:,}"
        return f"keras {self.name}: {n} images {h}×{w}×{c}, seed {self.seed}"


@dataclass(frozen=True, kw_only=True)
class _ImagesSpec(_Spec):
    """Pictures in class subfolders, resized to one size on loading."""

    image_size: tuple[int, int] = (150, 150)  # (height, width) every picture is fitted to
    fit: str = "crop"  # how a picture of another ratio is fitted: one of FITS
    channels: int = 3  # 1 grey, 3 colour

    @property
    def input_shape(self) -> tuple[int, int, int]:
        h, w = self.image_size
        return (int(h), int(w), int(self.channels))

    def _describe(self, where: str) -> str:
        h, w, c = self.input_shape
        return f"{self.source} {where}: images {h}×{w}×{c} ({self.fit})"


@dataclass(frozen=True, kw_only=True)
class FolderSpec(_ImagesSpec):
    """A folder of class subfolders under the data root (like the notebook's PetImages)."""

    source: ClassVar[str] = "folder"
    path: str  # relative to the data root; never an arbitrary path

    def describe(self) -> str:
        return self._describe(self.path)


@dataclass(frozen=True, kw_only=True)
class UploadSpec(_ImagesSpec):
    """A zip of class folders uploaded on the Data page, by its upload id."""

    source: ClassVar[str] = "upload"
    id: str  # the upload's id (16 hex digits)

    def describe(self) -> str:
        return self._describe(self.id)


DatasetSpec = ShapesSpec | ChallengeSpec | LfwSpec | KerasSpec | FolderSpec | UploadSpec
_CLASSES: dict[str, type[_Spec]] = {
    c.source: c for c in (ShapesSpec, ChallengeSpec, LfwSpec, KerasSpec, FolderSpec, UploadSpec)
}
SOURCES: tuple[str, ...] = tuple(_CLASSES)


def _split(raw: object) -> SplitSpec:
    allowed = [f.name for f in fields(SplitSpec)]
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping) or set(raw) - set(allowed):
        raise ValueError(f"spec split must be a dict with keys {sorted(allowed)}, got {raw!r}")
    return SplitSpec(**raw)


def parse_spec(spec: Mapping[str, Any] | DatasetSpec) -> DatasetSpec:
    """The typed spec of a dict (defaults filled, names checked), or ``spec`` itself.

    >>> parse_spec({"source": "folder", "path": "PetImages"}).image_size
    (150, 150)
    >>> parse_spec({"source": "shapes", "size": 32, "colour": 1})
    Traceback (most recent call last):
    ...
    ValueError: unknown keys ['colour'] in a 'shapes' spec (allowed: ['channels', 'classes', \
'clutter', 'n', 'noise', 'seed', 'size', 'source', 'split'])
    """
    if isinstance(spec, _Spec):
        return spec  # type: ignore[return-value]
    if not isinstance(spec, Mapping):
        raise ValueError(f"a dataset spec must be a dict, got {spec!r}")
    source = spec.get("source")
    if source not in _CLASSES:
        raise ValueError(f"spec source must be one of {SOURCES}, got {source!r}")
    cls = _CLASSES[source]
    names = [f.name for f in fields(cls) if f.name != "split"]
    allowed = {"source", "split", *names}
    unknown = sorted(set(spec) - allowed)
    if unknown:
        raise ValueError(
            f"unknown keys {unknown} in a {source!r} spec (allowed: {sorted(allowed)})"
        )
    values: dict[str, Any] = {k: spec[k] for k in names if k in spec}
    if "classes" in values and not isinstance(values["classes"], str):
        values["classes"] = tuple(values["classes"])
    if issubclass(cls, _ImagesSpec):
        need = "path" if cls is FolderSpec else "id"
        if not values.get(need):
            raise ValueError(f"a {source!r} spec needs {need!r}, got {dict(spec)!r}")
        if "image_size" in values:
            values["image_size"] = parse_image_size(values["image_size"])
    if cls is KerasSpec and values.get("name", "mnist") not in KERAS_SETS:
        raise ValueError(
            f"Keras dataset must be one of {tuple(KERAS_SETS)}, got {values['name']!r}"
        )
    out = cls(split=_split(spec.get("split")), **values)
    json.dumps(out.to_dict())  # JSON-safe or TypeError
    return out  # type: ignore[return-value]


def normalize_spec(spec: Mapping[str, Any] | DatasetSpec) -> dict[str, Any]:
    """``parse_spec(spec).to_dict()``: the canonical dict (what the URL and a run keep).

    >>> normalize_spec({"source": "shapes", "n": 500})["size"]
    32
    """
    return parse_spec(spec).to_dict()
