"""Hostile input costs nothing: peak memory and time of each refusal, next to one photo.

Each case runs in its own subprocess (so each peak is its own): it builds or reads the
hostile file, imports cnnlab, and calls the core the way the dashboard does. Printed per
case: whether it was refused (and the message), the peak resident memory (ru_maxrss)
and the wall time, each as a ratio to loading one ordinary photo (skimage's chelsea,
300×451) with ``cnnlab.images.load_image``. Before the limits, the 13000×13000 PNG zip
took the server from 927 MB to 6 GB, nine of them 107 s and 8 GB, and a 1 MB zip
expanded to 1 GB on disk. Exits 1 when a case is accepted, or peaks above --max-mb.

    python benchmarks/bench_hostile.py [--max-mb 300] [--quick]

The builders here (``huge_png``, ``zip_of``, ``bomb_zip``, ``sixteen_bit_png``) also
make the inputs of ``tests/unit/test_hostile.py``.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def huge_png(width: int = 13_000, height: int = 13_000) -> bytes:
    """A black 1-bit PNG of ``width × height`` written row by row: a few KB on disk,
    ``width × height`` pixels once decoded (13000² = 169 Mpx: 0.5 GB as RGB)."""
    row = b"\x00" + bytes((width + 7) // 8)  # filter byte + packed bits
    z = zlib.compressobj(9)
    rows_per_chunk = max(1, (1 << 20) // len(row))
    idat = []
    for start in range(0, height, rows_per_chunk):
        idat.append(z.compress(row * min(rows_per_chunk, height - start)))
    idat.append(z.flush())
    head = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", head)
        + _chunk(b"IDAT", b"".join(idat))
        + _chunk(b"IEND", b"")
    )


def small_png(seed: int = 0, size: tuple[int, int] = (20, 20)) -> bytes:
    """An ordinary small colour PNG (noise), a few KB."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    buf = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (*size, 3), dtype=np.uint8)).save(buf, "PNG")
    return buf.getvalue()


def zip_of(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip holding ``members`` (name → bytes); a repeated name needs ``zip_members``."""
    return zip_members(list(members.items()), compression)


def zip_members(members: list[tuple[str, bytes]], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip holding ``members`` in order, duplicates allowed (zipfile warns)."""
    import warnings

    buf = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buf, "w", compression) as z:
        warnings.simplefilter("ignore", UserWarning)  # "Duplicate name"
        for name, data in members:
            z.writestr(name, data)
    return buf.getvalue()


def bomb_zip(
    expanded: int, name: str = "Cat/zeros.bmp", extra: dict[str, bytes] | None = None
) -> bytes:
    """A zip whose member ``name`` holds ``expanded`` zero bytes, written in 1 MB chunks
    (never all in memory), plus ``extra`` members; deflate makes it ~1000:1."""
    buf = io.BytesIO()
    chunk = bytes(1 << 20)
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_DEFLATED
        with z.open(info, "w", force_zip64=expanded > 2**31) as out:
            left = expanded
            while left > 0:
                out.write(chunk[: min(left, len(chunk))])
                left -= len(chunk)
        for member, data in (extra or {}).items():
            z.writestr(member, data)
    return buf.getvalue()


def sixteen_bit_png(
    mean8: float = 107.0, shape: tuple[int, int] = (64, 64), seed: int = 0
) -> bytes:
    """A 16-bit grey PNG (PIL mode I;16) whose 8-bit mean is ~``mean8``."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    values = np.clip(rng.normal(mean8, 40, shape), 0, 255) * 257
    buf = io.BytesIO()
    Image.fromarray(values.astype(np.uint16)).save(buf, "PNG")
    return buf.getvalue()


def flat_png(side: int) -> bytes:
    """A flat grey ``side × side`` 8-bit PNG, written row by row (≈ side² / 1000 bytes)."""
    row = b"\x00" + bytes([128]) * side
    z = zlib.compressobj(9)
    rows_per_chunk = max(1, (1 << 20) // len(row))
    idat = [z.compress(row * min(rows_per_chunk, side - s)) for s in range(0, side, rows_per_chunk)]
    idat.append(z.flush())
    head = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", head)
        + _chunk(b"IDAT", b"".join(idat))
        + _chunk(b"IEND", b"")
    )


# ----------------------------------------------------------------------------- cases
# Each case: (how to build its input file once, the code the subprocess runs on it).

_LOAD_IMAGE = "from cnnlab.images import load_image\nload_image(DATA)\n"
_UPLOAD = (
    "from cnnlab.data import save_upload, load_spec\n"
    "uid = save_upload(DATA)\n"
    "load_spec({'source': 'upload', 'id': uid, 'image_size': [150, 150]})\n"
)


def _photo() -> bytes:
    import skimage.data

    return (Path(skimage.data.__file__).parent / "chelsea.png").read_bytes()


def _cases(quick: bool) -> dict[str, tuple]:
    one = huge_png()
    # Flat pictures each under the per-image budget, together over the dataset's
    # (quick: 30 × 4 Mpx against a budget lowered to 100 Mpx; else 60 × 25 Mpx = 1.5 G).
    side, count = (2_000, 30) if quick else (5_000, 60)
    budget = "os.environ['CNNLAB_MAX_DATASET_PIXELS'] = '100000000'\n" if quick else ""
    cases: dict[str, tuple] = {
        "photo (chelsea, reference)": (_photo, _LOAD_IMAGE, False),
        "13000² PNG upload": (lambda: one, _LOAD_IMAGE, True),
        "zip: one 13000² PNG per class": (
            lambda: zip_of({"Cat/1.png": one, "Dog/1.png": one}),
            _UPLOAD,
            True,
        ),
        "zip: nine 13000² PNGs": (
            lambda: zip_of({f"{'Cat' if i % 2 else 'Dog'}/{i}.png": one for i in range(9)}),
            _UPLOAD,
            True,
        ),
        f"zip: {count} flat {side}² PNGs (dataset pixels)": (
            lambda: zip_of(
                {f"{'Cat' if i % 2 else 'Dog'}/{i}.png": flat_png(side) for i in range(count)}
            ),
            "import os\n" + budget + _UPLOAD,
            True,
        ),
        "zip bomb (ratio ~1000:1)": (
            lambda: bomb_zip((64 if quick else 1000) << 20, extra={"Dog/1.png": small_png()}),
            _UPLOAD,
            True,
        ),
        "zip: two members named Cat/1.png": (
            lambda: zip_members([("Cat/1.png", small_png(1)), ("Cat/1.png", small_png(2))]),
            _UPLOAD,
            True,
        ),
        "garbage bytes as an image": (lambda: b"hello, I am text" * 100, _LOAD_IMAGE, True),
    }
    return cases


_RUNNER = """
import json, os, resource, sys, time
from pathlib import Path
os.environ['CNNLAB_HOME'] = sys.argv[2]
DATA = Path(sys.argv[1]).read_bytes()
import numpy, PIL.Image  # imports are not the case's cost
import cnnlab.data, cnnlab.images
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
refused = ''
try:
    exec(sys.argv[3])
except ValueError as exc:
    refused = str(exc)
seconds = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
uploads = Path(sys.argv[2]) / 'uploads'
left = sum(f.stat().st_size for f in uploads.rglob('*') if f.is_file()) if uploads.exists() else 0
print(json.dumps({'seconds': seconds, 'peak_mb': peak / 1024, 'grew_mb': (peak - base) / 1024,
                  'refused': refused, 'uploads_bytes_left': left}))
"""


def run_case(data: bytes, code: str) -> dict:
    """Run ``code`` (with ``DATA`` bound to ``data``) in a fresh interpreter; its peak."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "input.bin"
        path.write_bytes(data)
        out = subprocess.run(
            [sys.executable, "-c", _RUNNER, str(path), str(Path(tmp) / "home"), code],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--max-mb", type=float, default=300.0, help="largest growth allowed")
    parser.add_argument("--quick", action="store_true", help="smaller inputs (CI)")
    args = parser.parse_args(argv)
    rows = []
    ok = True
    reference: dict | None = None
    for name, (build, code, must_refuse) in _cases(args.quick).items():
        t0 = time.perf_counter()
        data = build()
        built = time.perf_counter() - t0
        res = run_case(data, code)
        reference = reference or res
        refused = bool(res["refused"])
        good = refused == must_refuse and res["grew_mb"] <= args.max_mb
        good = good and res["uploads_bytes_left"] == (
            0 if must_refuse else res["uploads_bytes_left"]
        )
        ok = ok and good
        rows.append(
            {
                "case": name,
                "input_kb": round(len(data) / 1024, 1),
                "refused": refused,
                "seconds": round(res["seconds"], 3),
                "time_vs_photo": round(res["seconds"] / max(reference["seconds"], 1e-6), 1),
                "peak_mb": round(res["peak_mb"], 1),
                "grew_mb": round(res["grew_mb"], 1),
                "peak_vs_photo": round(res["peak_mb"] / reference["peak_mb"], 2),
                "uploads_left_bytes": res["uploads_bytes_left"],
                "message": res["refused"][:160],
                "build_s": round(built, 2),
                "ok": good,
            }
        )
    width = max(len(r["case"]) for r in rows)
    print(f"{'case':<{width}}  refused  seconds  ×photo  peak MB  grew MB  ×photo  left")
    for r in rows:
        print(
            f"{r['case']:<{width}}  {r['refused']!s:<7}  {r['seconds']:7.3f}  "
            f"{r['time_vs_photo']:6.1f}  {r['peak_mb']:7.1f}  {r['grew_mb']:7.1f}  "
            f"{r['peak_vs_photo']:6.2f}  {r['uploads_left_bytes']}"
            + ("" if r["ok"] else "   <-- FAIL")
        )
    print(json.dumps({"bench": "hostile", "quick": args.quick, "rows": rows}, ensure_ascii=False))
    driver = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"ru_maxrss of this driver (builds the inputs): {driver:.0f} MB")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
