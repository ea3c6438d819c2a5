"""Load an image folder with one subfolder per class, like the notebook's PetImages.

Every file under the folder is either loaded or named in the report with a reason.
Decoded arrays are cached on disk under ``$CNNLAB_HOME/cache/data/<hash>.npz`` (labels,
report) and ``<hash>.x.npy`` (pixels), keyed by
the relative path, size and modification time of every file plus the target size, fit
and channels, so the second load skips decoding.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from cnnlab import _errors as say
from cnnlab._files import atomic_write
from cnnlab._progress import Progress, throttled
from cnnlab.data._dataset import Dataset
from cnnlab.data._decode import FITS, Decoded, Probe, classify_name, decode, probe
from cnnlab.data._display import shown_name
from cnnlab.data._roots import cache_dir, is_hidden, uploads_dir
from cnnlab.limits import InputError, Limits, limits

__all__ = [
    "REASONS",
    "Skipped",
    "FolderReport",
    "load_folder",
    "check_folder",
    "parse_image_size",
]

# Why a file was skipped (codes are stable; the page translates them).
REASONS: dict[str, str] = {
    "empty": "empty file (0 bytes)",
    "system": "system file (Thumbs.db, .DS_Store, __MACOSX…)",
    "extension": "not an image extension (JPEG, PNG, BMP, GIF, WebP)",
    "not_image": "not an image (content cannot be identified)",
    "format": "an image format that is not JPEG, PNG, BMP, GIF or WebP",
    "truncated": "truncated image (the file ends early)",
    "corrupt": "corrupt image (cannot be decoded)",
    "too_large": "too many pixels (decompression bomb guard)",
    "archive": "an archive inside the data (nested archives are not opened)",
    "link": "symbolic link (never followed)",
    "outside": "not inside a class subfolder",
    "unreadable": "cannot be read (permissions)",
}
# 2: 16-bit pictures scaled (were clipped), big pictures reduced before resizing.
_CACHE_VERSION = 2
_MEMO: OrderedDict[str, tuple[Dataset, FolderReport]] = OrderedDict()
_MEMO_SIZE = 2
_WORKERS = min(4, (os.cpu_count() or 1) + 1)  # decoding threads (PIL releases the GIL)


@dataclass(frozen=True)
class Skipped:
    """One file that was not loaded (or, in ``notes``, loaded with a remark)."""

    path: str  # relative to the folder given, "/" separators
    reason: str  # a key of REASONS ("note" for remarks on loaded files)
    detail: str = ""  # the decoder's own words


@dataclass(frozen=True)
class FolderReport:
    """What ``load_folder`` found: classes, counts, every skipped file and why."""

    root: str  # the folder given
    classes: tuple[str, ...]  # class subfolders with at least one image, sorted
    counts: tuple[int, ...]  # images loaded per class
    skipped: tuple[Skipped, ...]  # every file not loaded, in path order
    notes: tuple[Skipped, ...] = ()  # loaded files worth a remark (a BMP named .jpg)
    empty_classes: tuple[str, ...] = ()  # class subfolders where nothing could be loaded
    image_size: tuple[int, int] = (150, 150)  # (H, W) of every image
    fit: str = "crop"  # how the aspect ratio was kept: crop, pad or stretch
    channels: int = 3  # 3 RGB or 1 grayscale
    from_cache: bool = False  # whether decoding was skipped
    seconds: float = 0.0  # wall time of this load
    cache_file: str = ""  # the .npz holding the decoded arrays ("" without cache)
    files: int = field(default=0)  # files seen under the folder

    @property
    def loaded(self) -> int:
        return int(sum(self.counts))

    def by_reason(self) -> dict[str, int]:
        """Skipped files per reason, most common first."""
        return dict(Counter(s.reason for s in self.skipped).most_common())

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> FolderReport:
        d = json.loads(text)
        d["skipped"] = tuple(Skipped(**s) for s in d["skipped"])
        d["notes"] = tuple(Skipped(**s) for s in d["notes"])
        for k in ("classes", "counts", "empty_classes", "image_size"):
            d[k] = tuple(d[k])
        return cls(**d)


def parse_image_size(image_size: int | Sequence[int]) -> tuple[int, int]:
    """``150`` or ``(150, 150)`` → ``(150, 150)`` as (height, width), each 8 to 512."""
    size = (image_size, image_size) if isinstance(image_size, int | np.integer) else image_size
    try:
        h, w = (int(v) for v in size)  # type: ignore[union-attr]
        ok = (h, w) == tuple(size) and 8 <= h <= 512 and 8 <= w <= 512  # type: ignore[arg-type]
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(f"image_size must be (height, width) in 8..512, got {image_size!r}")
    return h, w


def _listdir(path: Path) -> list[os.DirEntry]:
    with os.scandir(path) as it:
        return sorted(it, key=lambda e: e.name)


def _class_root(root: Path) -> Path:
    """Step into single wrapper folders (a zip holding ``PetImages/Cat``, ``PetImages/Dog``)."""
    while True:
        entries = [e for e in _listdir(root) if not is_hidden(e.name)]
        dirs = [e for e in entries if e.is_dir(follow_symlinks=False)]
        images = [e for e in entries if not e.is_dir() and not classify_name(e.name)]
        if len(dirs) != 1 or images:
            return root
        inner = Path(dirs[0].path)
        if not any(e.is_dir(follow_symlinks=False) for e in _listdir(inner)):
            return root
        root = inner


def _walk(path: str, rel: str) -> Iterator[tuple[str, os.DirEntry[str]]]:
    """Yield ``(rel path, DirEntry)`` for every non-directory under ``path``, sorted.

    Links to folders are yielded (to be reported), never followed.
    """
    try:
        entries = _listdir(Path(path))
    except OSError:
        return
    for e in entries:
        r = f"{rel}{e.name}"
        if e.is_dir(follow_symlinks=False):
            yield from _walk(e.path, r + "/")
        else:
            yield r, e


def _scan(
    root: Path, class_root: Path
) -> tuple[list[tuple[str, int, int]], list[tuple[str, str]], list[Skipped], list[str]]:
    """(entries for the cache key, candidates [(rel, class name)], skipped, class names)."""
    key_entries: list[tuple[str, int, int]] = []
    candidates: list[tuple[str, str]] = []
    skipped: list[Skipped] = []
    classes = sorted(
        e.name
        for e in _listdir(class_root)
        if e.is_dir(follow_symlinks=False) and not is_hidden(e.name)
    )
    class_set = set(classes)
    prefix = class_root.relative_to(root).as_posix() + "/"
    prefix = "" if prefix == "./" else prefix
    for rel, entry in _walk(str(root), ""):
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError as exc:
            skipped.append(Skipped(rel, "unreadable", str(exc)))
            continue
        key_entries.append((rel, st.st_size, st.st_mtime_ns))
        inner = rel[len(prefix) :].split("/") if rel.startswith(prefix) else []
        top = inner[0] if len(inner) > 1 else None
        kind = classify_name(entry.name)
        if entry.is_symlink():
            skipped.append(Skipped(rel, "link"))
        elif kind == "system" or (top and is_hidden(top)):
            skipped.append(Skipped(rel, "system"))
        elif kind == "archive":
            skipped.append(Skipped(rel, "archive"))
        elif top is None or top not in class_set:
            skipped.append(Skipped(rel, "outside"))
        elif kind:
            skipped.append(Skipped(rel, kind))
        else:
            candidates.append((rel, top))
    return key_entries, candidates, skipped, classes


def _cache_key(
    entries: list[tuple[str, int, int]], size_hw: tuple[int, int], fit: str, channels: int
) -> str:
    blob = json.dumps([_CACHE_VERSION, list(size_hw), fit, channels, sorted(entries)])
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


def _pixels_file(npz: Path) -> Path:
    return npz.with_suffix(".x.npy")


def _write_cache(path: Path, x: np.ndarray, y: np.ndarray, report: FolderReport) -> None:
    """Pixels to ``<key>.x.npy`` (fast to read back), then labels and report to
    ``<key>.npz``; each written to a temporary file and renamed, the .npz last, so a
    present .npz always has its pixels."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(_pixels_file(path), lambda f: np.save(f, x))
        atomic_write(path, lambda f: np.savez(f, y=y, report=np.array(report.to_json())))
    except OSError:  # a full or read-only disk only costs the speed-up
        return
    _prune(path.parent, keep=path)


def _prune(folder: Path, keep: Path) -> None:
    files = sorted(folder.glob("*.npz"), key=lambda p: p.stat().st_mtime, reverse=True)
    total = 0
    budget = limits().cache_max_bytes  # older cache files beyond this total are removed
    for p in files:
        px = _pixels_file(p)
        total += p.stat().st_size + (px.stat().st_size if px.exists() else 0)
        if total > budget and p != keep:
            p.unlink(missing_ok=True)
            px.unlink(missing_ok=True)


def _read_cache(path: Path) -> tuple[np.ndarray, np.ndarray, FolderReport] | None:
    try:
        with np.load(path, allow_pickle=False) as z:
            y, report = z["y"], FolderReport.from_json(str(z["report"]))
        x = np.load(_pixels_file(path), allow_pickle=False)
    except (OSError, ValueError, KeyError, TypeError, EOFError):
        return None
    if x.ndim != 4 or len(x) != len(y) or x.dtype != np.uint8:
        return None
    return x, y, report


def _frozen(ds: Dataset) -> Dataset:
    ds.x.flags.writeable = False
    ds.y.flags.writeable = False
    return ds


def load_folder(
    path: str | os.PathLike,
    *,
    image_size: int | Sequence[int] = (150, 150),
    fit: str = "crop",
    channels: int = 3,
    cache: bool = True,
    workers: int | None = None,
    progress: Progress | None = None,
) -> tuple[Dataset, FolderReport]:
    """Load every image under ``path``; the label is the first-level subfolder.

    Searched recursively: JPEG, PNG, BMP, GIF and WebP, whatever their extension says
    (a BMP named ``.jpg`` loads, with a note). Each image is resized to ``image_size``
    (height, width): ``fit="crop"`` cuts the centre, ``"pad"`` adds black borders (both
    keep the aspect ratio), ``"stretch"`` distorts like Keras' ``flow_from_directory``.
    Junk is skipped and named in the report: empty files, non-images, truncated or
    corrupt images, Thumbs.db and other system files, links, files outside a class,
    archives (never opened), pictures over ``limits().max_image_pixels``.

    Budgets (:mod:`cnnlab.limits`) are checked before any decoding: the decoded array
    against ``max_data_bytes``, and the pixels every header says will be decoded against
    ``max_dataset_pixels``; ValueError if passed. Messages name the folder by its last
    part (an upload as "the uploaded zip"), never by its server path.

    ``progress(done, total)``, when given, is called from this thread (at most ~20
    times a second) with the image files handled so far out of the files that may be
    images; it ends at ``(total, total)``, at once when the images come from the cache.

    Returns ``(Dataset x (N, H, W, channels) uint8, FolderReport)``; arrays are read-only.

    >>> ds, report = load_folder("PetImages", image_size=150)  # doctest: +SKIP
    >>> ds.class_names, report.by_reason()  # doctest: +SKIP
    (('Cat', 'Dog'), {'not_image': 1, 'empty': 1, 'system': 2})
    """
    start = time.perf_counter()
    root = Path(path)
    if not root.is_dir():
        raise ValueError(f"not a folder: {_shown(root)}")
    size_hw = parse_image_size(image_size)
    if fit not in FITS:
        raise ValueError(f"fit must be one of {FITS}, got {fit!r}")
    if channels not in (1, 3):
        raise ValueError(f"channels must be 1 (grayscale) or 3 (RGB), got {channels!r}")
    class_root = _class_root(root)
    entries, candidates, skipped, classes = _scan(root, class_root)
    if len(classes) < 2:
        raise _too_few_classes(root, classes, skipped, "")
    key = _cache_key(entries, size_hw, fit, channels)
    cache_file = cache_dir() / f"{key}.npz"
    report, total = throttled(progress), len(candidates)
    if cache and key in _MEMO:
        _MEMO.move_to_end(key)
        ds, rep = _MEMO[key]
        report(total, total)
        return ds, replace(rep, from_cache=True, seconds=time.perf_counter() - start)
    if cache and cache_file.is_file() and (hit := _read_cache(cache_file)) is not None:
        x, y, rep = hit
        rep = replace(rep, root=str(path), from_cache=True, seconds=time.perf_counter() - start)
        ds = _frozen(Dataset(x, y, rep.classes, _describe(root, rep)))
        _remember(key, ds, rep)
        report(total, total)
        return ds, rep

    budget = limits()
    pixels = size_hw[0] * size_hw[1] * channels
    if len(candidates) * pixels > budget.max_data_bytes:
        shape = f"{size_hw[0]}×{size_hw[1]}×{channels}"
        raise InputError(
            "dataset_memory",
            f"{len(candidates)} images of {shape} need "
            f"{len(candidates) * pixels / 2**20:.0f} MB, over the "
            f"{budget.max_data_bytes / 2**20:.0f} MB limit: choose a smaller image size or "
            "fewer images",
            images=len(candidates),
            shape=shape,
            size=say.size(len(candidates) * pixels),
            limit=say.size(budget.max_data_bytes),
        )
    report(0, total)
    with ThreadPoolExecutor(max_workers=workers or _WORKERS) as pool:
        probes = list(pool.map(lambda c: _probe(root, c[0], size_hw, channels, budget), candidates))
        work = _within_budget(root, candidates, probes, skipped, budget.max_dataset_pixels)
        gate = _Gate(budget.max_image_pixels)

        def _decode(c: tuple[str, str, int]) -> Decoded:
            with gate.hold(c[2]):
                return decode(root / c[0], size_hw, fit, channels, max_pixels=gate.cap)

        futures = [pool.submit(_decode, c) for c in work]
        done = total - len(work)  # refused by their header: nothing more to do
        report(done, total)
        for _ in as_completed(futures):  # counted here: ``progress`` runs on this thread
            done += 1
            report(done, total)
        results = [f.result() for f in futures]
    images, labels, notes = [], [], []
    per_class: Counter[str] = Counter()
    for (rel, cls, _), res in zip(work, results, strict=True):
        if res.pixels is None:
            skipped.append(Skipped(rel, res.reason, res.detail))
            continue
        images.append(res.pixels)
        labels.append(cls)
        per_class[cls] += 1
        if res.detail:
            notes.append(Skipped(rel, "note", res.detail))
    kept = [c for c in classes if per_class[c]]
    if len(kept) < 2:
        raise _too_few(root, kept, skipped)
    index = {c: i for i, c in enumerate(kept)}
    x = np.stack(images).astype(np.uint8, copy=False)
    y = np.array([index[c] for c in labels], dtype=np.int64)
    rep = FolderReport(
        root=str(path),
        classes=tuple(kept),
        counts=tuple(per_class[c] for c in kept),
        skipped=tuple(sorted(skipped, key=lambda s: s.path)),
        notes=tuple(notes),
        empty_classes=tuple(c for c in classes if not per_class[c]),
        image_size=size_hw,
        fit=fit,
        channels=channels,
        from_cache=False,
        seconds=time.perf_counter() - start,
        cache_file=str(cache_file) if cache else "",
        files=len(entries),
    )
    if cache:
        _write_cache(cache_file, x, y, rep)
    ds = _frozen(Dataset(x, y, rep.classes, _describe(root, rep)))
    if cache:
        _remember(key, ds, rep)
    return ds, rep


def check_folder(
    path: str | os.PathLike,
    *,
    image_size: int | Sequence[int] = (150, 150),
    channels: int = 3,
    workers: int | None = None,
) -> None:
    """Refuse (ValueError) a folder ``load_folder`` would refuse whatever its options:
    fewer than two class folders with an image whose header passes, or more pixels in
    all than ``limits().max_dataset_pixels`` at ``image_size``. Reads headers only.

    ``save_upload`` calls it, so that a zip that can never load is deleted at once.
    """
    root = Path(path)
    size_hw = parse_image_size(image_size)
    _, candidates, skipped, classes = _scan(root, _class_root(root))
    if len(classes) < 2 or len({cls for _, cls in candidates}) < 2:
        found = sorted({cls for _, cls in candidates})
        raise _too_few_classes(root, found, skipped, " holding images")
    budget = limits()
    with ThreadPoolExecutor(max_workers=workers or _WORKERS) as pool:
        probes = list(pool.map(lambda c: _probe(root, c[0], size_hw, channels, budget), candidates))
    work = _within_budget(root, candidates, probes, skipped, budget.max_dataset_pixels)
    kept = sorted({cls for _, cls, _ in work})
    if len(kept) < 2:
        raise _too_few(root, kept, skipped)


def _archive_params(skipped: list[Skipped]) -> tuple[str, dict[str, str]]:
    """The code suffix and params naming archives found inside (never opened)."""
    names = [shown_name(s.path) for s in skipped if s.reason == "archive"]
    if not names:
        return "", {}
    more = f" (+{len(names) - 3})" if len(names) > 3 else ""
    return "_archives", {"archives": ", ".join(names[:3]) + more}


def _too_few_classes(
    root: Path, found: list[str], skipped: list[Skipped], holding: str
) -> InputError:
    """Fewer than two class folders (with images): an unusable folder or zip."""
    names = [shown_name(c) for c in found]
    suffix, archives = _archive_params(skipped)
    return InputError(
        "dataset_classes" + suffix,
        f"{_shown(root)} needs one subfolder per class (at least 2){holding}, "
        f"found {len(found)}: {names}{_archives_note(skipped)}",
        folder=_where(root),
        found=len(found),
        classes=", ".join(names) or "—",
        **archives,
    )


def _too_few(root: Path, kept: list[str], skipped: list[Skipped]) -> InputError:
    names = [shown_name(c) for c in kept]
    suffix, archives = _archive_params(skipped)
    return InputError(
        "dataset_too_few" + suffix,
        f"{_shown(root)}: images could be loaded in {len(kept)} class folder(s) "
        f"{names}; at least 2 are needed "
        f"({len(skipped)} files skipped{_reasons_note(skipped)}){_archives_note(skipped)}",
        folder=_where(root),
        found=len(kept),
        classes=", ".join(names) or "—",
        skipped=len(skipped),
        **archives,
    )


def _shown(root: Path) -> str:
    """How messages name a folder: an upload as "the uploaded zip", any other by its last
    part; never the server path."""
    try:
        if root.resolve().is_relative_to(uploads_dir().resolve()):
            return "the uploaded zip"
    except OSError:
        pass
    return repr(shown_name(root.name or str(root)))


def _where(root: Path) -> str:
    """A folder for translated messages: its last part, or "zip" for an uploaded zip."""
    shown = _shown(root)
    return "zip" if shown == "the uploaded zip" else shown_name(root.name or str(root))


def _reasons_note(skipped: list[Skipped]) -> str:
    """ ": 2 too many pixels (…), 1 empty file" — the three commonest reasons."""
    counts = Counter(s.reason for s in skipped).most_common(3)
    return (": " + ", ".join(f"{n} {REASONS.get(r, r)}" for r, n in counts)) if counts else ""


def _archives_note(skipped: list[Skipped]) -> str:
    names = [shown_name(s.path) for s in skipped if s.reason == "archive"]
    if not names:
        return ""
    more = f" and {len(names) - 3} more" if len(names) > 3 else ""
    return f"; archives inside are not opened: {', '.join(names[:3])}{more}"


def _probe(root: Path, rel: str, size_hw: tuple[int, int], channels: int, budget: Limits) -> Probe:
    return probe(root / rel, size_hw, channels, max_pixels=budget.max_image_pixels)


def _pixels(n: int) -> str:
    return f"{n / 1e6:,.0f} megapixels" if n >= 10**6 else f"{n:,} pixels"


def _within_budget(
    root: Path,
    candidates: list[tuple[str, str]],
    probes: list[Probe],
    skipped: list[Skipped],
    max_pixels: int,
) -> list[tuple[str, str, int]]:
    """Candidates whose header passed, with their pixel cost; the others go to
    ``skipped``. ValueError when the total passes ``max_pixels`` (nothing decoded yet)."""
    kept: list[tuple[str, str, int]] = []
    total = 0
    for (rel, cls), pr in zip(candidates, probes, strict=True):
        if pr.reason:
            skipped.append(Skipped(rel, pr.reason, pr.detail))
        else:
            kept.append((rel, cls, pr.pixels))
            total += pr.pixels
    if total > max_pixels:
        raise InputError(
            "dataset_pixels",
            f"{_shown(root)}: its {len(kept)} images would decode to {_pixels(total)}, "
            f"over the limit of {_pixels(max_pixels)} for one dataset: use fewer or smaller "
            "pictures",
            folder=_where(root),
            images=len(kept),
            pixels=say.pixels(total),
            limit=say.pixels(max_pixels),
        )
    return kept


class _Gate:
    """At most ``cap`` pixels decoding at once (one picture always may): four threads
    on four big pictures would otherwise hold four full-size copies."""

    def __init__(self, cap: int) -> None:
        self.cap, self._used = cap, 0
        self._cond = threading.Condition()

    @contextmanager
    def hold(self, pixels: int) -> Iterator[None]:
        with self._cond:
            while self._used and self._used + pixels > self.cap:
                self._cond.wait()
            self._used += pixels
        try:
            yield
        finally:
            with self._cond:
                self._used -= pixels
                self._cond.notify_all()


def _remember(key: str, ds: Dataset, rep: FolderReport) -> None:
    _MEMO[key] = (ds, rep)
    while len(_MEMO) > _MEMO_SIZE:
        _MEMO.popitem(last=False)


def _describe(root: Path, rep: FolderReport) -> str:
    h, w = rep.image_size
    color = "RGB" if rep.channels == 3 else "grayscale"
    return (
        f"image folder {root.name!r}: {rep.loaded} images {h}×{w} {color} ({rep.fit}), "
        f"{len(rep.skipped)} files skipped"
    )
