"""Images for the lessons: offline sample photos, safe upload decoding, the seed's matrix.

Every function returns ``uint8`` arrays: ``(H, W)`` for grey, ``(H, W, 3)`` for colour.

>>> from cnnlab.images import COURSE_MATRIX, sample
>>> sample("camera").shape, COURSE_MATRIX.shape
((512, 512), (5, 5))
"""

from __future__ import annotations

import io
import os
import re
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from cnnlab import _errors as say
from cnnlab.limits import InputError, limits

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage

__all__ = [
    "SAMPLES",
    "COURSE_MATRIX",
    "MAX_PIXELS",
    "FORMATS",
    "ImageTooLarge",
    "sample",
    "check_header",
    "open_checked",
    "load_image",
    "to_8bit",
    "orientation",
    "orient",
    "orient_array",
    "reduce_by",
    "has_alpha",
    "flatten_alpha",
    "to_gray",
    "thumbnail",
]

# Photos shipped inside scikit-image (no download needed), in the order a menu shows them.
SAMPLES: tuple[str, ...] = (
    "camera",
    "chelsea",
    "astronaut",
    "coffee",
    "text",
    "coins",
    "moon",
    "page",
    "rocket",
    "clock",
    "brick",
    "grass",
    "checkerboard",
    "immunohistochemistry",
    "hubble_deep_field",
)

# Each sample's file in scikit-image's data folder. Reading it with PIL gives the same
# array as ``skimage.data.<name>()`` without importing ``skimage.io`` (~0.5–0.9 s, which
# the first visit of Home used to wait for); a test compares all of them.
_SAMPLE_FILES: dict[str, str] = {
    "camera": "camera.png",
    "chelsea": "chelsea.png",
    "astronaut": "astronaut.png",
    "coffee": "coffee.png",
    "text": "text.png",
    "coins": "coins.png",
    "moon": "moon.png",
    "page": "page.png",
    "rocket": "rocket.jpg",
    "clock": "clock_motion.png",
    "brick": "brick.png",
    "grass": "grass.png",
    "checkerboard": "chessboard_GRAY.png",
    "immunohistochemistry": "ihc.png",
    "hubble_deep_field": "hubble_deep_field.jpg",
}

# The 5×5 matrix A of the course notebook ("Ejemplos de convoluciones").
COURSE_MATRIX: np.ndarray = np.array(
    [[4, 1, 7, 2, 3], [8, 3, 1, 2, 2], [6, 5, 7, 4, 3], [2, 2, 3, 1, 3], [4, 3, 4, 2, 3]],
    dtype=np.uint8,
)
COURSE_MATRIX.flags.writeable = False

# Pixel cap per image when this module was imported (CNNLAB_MAX_IMAGE_PIXELS, default
# 25 megapixels); the loaders read ``cnnlab.limits.limits()`` at each call.
MAX_PIXELS = limits().max_image_pixels
FORMATS: tuple[str, ...] = ("png", "jpg", "jpeg", "bmp", "gif", "webp", "tif", "tiff")

# PIL warns when an image it opens has over ~89 Mpx; our own check from the header
# (limits().max_image_pixels, 25 Mpx by default) comes right after and refuses in words,
# so the warning only fills the server log. A filter set once, not warnings.catch_warnings
# around each open: that is not thread-safe (Streamlit sessions, the folder loader's
# threads) and could leave the process's filters changed.
warnings.filterwarnings("ignore", message=r"Image size \(\d+ pixels\) exceeds limit of")

_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)  # ITU-R 601, as PIL's "L"


def to_gray(image: np.ndarray) -> np.ndarray:
    """Luminance of an RGB image; a 2-D image is returned unchanged.

    image : (H, W) or (H, W, 3) uint8  →  (H, W) uint8

    >>> to_gray(np.full((2, 2, 3), 200, np.uint8))[0, 0]
    np.uint8(200)
    """
    image = np.asarray(image)
    if image.ndim == 2:
        return image
    if image.ndim != 3 or image.shape[2] not in (3, 4):
        raise ValueError(f"image must be (H, W) or (H, W, 3), got shape {image.shape}")
    gray = image[..., :3].astype(np.float32) @ _LUMA
    return np.clip(np.rint(gray), 0, 255).astype(np.uint8)


def _to_uint8(image: np.ndarray) -> np.ndarray:
    if image.dtype == np.uint8:
        return image
    if image.dtype == bool:
        return image.astype(np.uint8) * 255
    image = image.astype(np.float64)
    lo, hi = float(image.min()), float(image.max())
    if lo >= 0 and hi <= 1:
        return np.rint(image * 255).astype(np.uint8)
    return np.rint((image - lo) / max(hi - lo, 1e-12) * 255).astype(np.uint8)


def sample(name: str, *, gray: bool = False) -> np.ndarray:
    """One of the :data:`SAMPLES` photos from ``skimage.data`` (no network needed).

    Returns (H, W) uint8 for a grey photo or when ``gray``; else (H, W, 3) uint8.

    >>> sample("chelsea").shape, sample("chelsea", gray=True).shape
    ((300, 451, 3), (300, 451))
    """
    if name not in SAMPLES:
        raise ValueError(f"unknown sample {name!r}; choose one of {', '.join(SAMPLES)}")
    import skimage.data  # cheap: scikit-image loads its submodules lazily
    from PIL import Image

    path = Path(skimage.data.__file__).parent / _SAMPLE_FILES[name]
    if path.is_file():
        with Image.open(path) as im:
            image = np.asarray(im)
    else:  # a scikit-image that keeps its data elsewhere
        image = np.asarray(getattr(skimage.data, name)())
    image = _to_uint8(image)
    if image.ndim == 3 and image.shape[2] == 4:
        image = image[..., :3]
    image = np.ascontiguousarray(image)
    return to_gray(image) if gray else image


class ImageTooLarge(InputError):
    """An image whose header claims more pixels than the budget: refused before decoding."""


_OBJECT_REPR = re.compile(r"\s*<[\w.]+(?: [\w.]+)* (?:object )?at 0x[0-9A-Fa-f]+>")
_HIGH_DEPTH = ("I;16", "I;16L", "I;16B", "I;16N", "I", "F")
_REDUCIBLE = ("L", "LA", "La", "RGB", "RGBA", "RGBa", "CMYK", "I", "F")  # PIL's reduce()
# EXIF orientation → the PIL transpose that shows the picture upright.
_TRANSPOSE = {
    2: "FLIP_LEFT_RIGHT",
    3: "ROTATE_180",
    4: "FLIP_TOP_BOTTOM",
    5: "TRANSPOSE",
    6: "ROTATE_270",
    7: "TRANSVERSE",
    8: "ROTATE_90",
}


def _budget(max_pixels: int | None) -> int:
    budget = limits().max_image_pixels if max_pixels is None else max_pixels
    if not isinstance(budget, int | np.integer) or budget < 1:
        raise ValueError(f"max_pixels must be a positive whole number, got {max_pixels!r}")
    return int(budget)


def _size(n: int) -> str:
    return f"{n / 2**20:,.1f} MB" if n >= 2**20 else f"{n:,} bytes"


def _limit_words(pixels: int) -> str:
    return f"{pixels / 1e6:,.0f} megapixels" if pixels >= 10**6 else f"{pixels:,} pixels"


def _prefix(name: str) -> str:
    return f"{name}: " if name else ""


def _words(err: BaseException) -> str:
    """An exception's text for people: no object reprs (``<_io.BytesIO object at 0x…>``),
    no file paths (an OSError gives its reason only)."""
    if isinstance(err, OSError) and err.strerror:
        return err.strerror
    text = _OBJECT_REPR.sub("", str(err)).strip(" :")
    return text or type(err).__name__


def _source_name(source: object, name: str | None) -> str:
    if name is not None:
        return name
    if isinstance(source, str | os.PathLike):
        from cnnlab.data._display import shown_name

        return shown_name(os.path.basename(os.fspath(source)))
    return ""


def open_checked(
    source: bytes | str | os.PathLike | BinaryIO,
    *,
    name: str | None = None,
    max_pixels: int | None = None,
) -> PILImage:
    """Open an image lazily (PIL reads the header only) and check its pixel budget.

    ``source`` is bytes, a path or a binary file; ``name`` is how messages call it
    (default: a path's base name, never its folders). The caller closes the image.
    Raises :class:`ImageTooLarge` (a ValueError) when width × height passes
    ``max_pixels`` (default ``limits().max_image_pixels``), ValueError when it is no
    image PIL can identify (PIL's own exception is its ``__cause__``). Nothing is
    decoded before the check.
    """
    from PIL import Image, UnidentifiedImageError

    budget = _budget(max_pixels)
    label = _source_name(source, name)
    fp = io.BytesIO(bytes(source)) if isinstance(source, bytes | bytearray | memoryview) else source
    # PIL's own refusal above ~179 Mpx (2 × Image.MAX_IMAGE_PIXELS) comes before we see the size.
    try:
        im = Image.open(fp)
    except Image.DecompressionBombError:
        limit = 2 * (Image.MAX_IMAGE_PIXELS or 0)
        raise ImageTooLarge(
            "image_bomb",
            f"{_prefix(label)}image has far too many pixels (more than "
            f"{limit / 1e6:.0f} megapixels), over the limit of {_limit_words(budget)}",
            name=label,
            limit=say.pixels(budget),
        ) from None
    except UnidentifiedImageError as err:
        raise _unreadable(label, "") from err
    except (OSError, SyntaxError, ValueError, EOFError, TypeError, IndexError) as err:
        raise _unreadable(label, _words(err)) from err
    width, height = im.size
    if width * height > budget:
        im.close()
        raise ImageTooLarge(
            "image_pixels",
            f"{_prefix(label)}image is {width}×{height} = {width * height / 1e6:.1f} "
            f"megapixels, over the limit of {_limit_words(budget)}",
            name=label,
            width=width,
            height=height,
            pixels=say.pixels(width * height),
            limit=say.pixels(budget),
        )
    if width < 1 or height < 1:
        im.close()
        raise InputError(
            "image_no_pixels",
            f"{_prefix(label)}image has no pixels: {width}×{height}",
            name=label,
            width=width,
            height=height,
        )
    return im


def _unreadable(label: str, detail: str) -> InputError:
    """Not an image, or a corrupt, truncated or unsupported file."""
    words = f"{_prefix(label)}not an image, or a corrupt file" + (f": {detail}" if detail else "")
    return InputError("image_unreadable", words, name=label, detail=detail)


def check_header(
    source: bytes | str | os.PathLike | BinaryIO,
    *,
    name: str | None = None,
    max_pixels: int | None = None,
) -> tuple[int, int, str]:
    """``(width, height, PIL mode)`` of an image from its header alone, within budget.

    Raises ValueError (no decoding happened) as :func:`open_checked` does.

    >>> import io
    >>> from PIL import Image
    >>> buf = io.BytesIO(); Image.new("1", (6_000, 6_000)).save(buf, "PNG")
    >>> len(buf.getvalue()) < 10_000  # a few KB that claim 36 megapixels
    True
    >>> try:
    ...     check_header(buf.getvalue(), name="cat.png")
    ... except ValueError as err:
    ...     print(err)
    cat.png: image is 6000×6000 = 36.0 megapixels, over the limit of 25 megapixels
    >>> check_header(buf.getvalue(), max_pixels=40_000_000)
    (6000, 6000, '1')
    """
    im = open_checked(source, name=name, max_pixels=max_pixels)
    with im:
        return im.width, im.height, im.mode


def to_8bit(im: PILImage) -> PILImage:
    """A 16-bit or 32-bit image scaled to 8-bit ``L`` by its type's range; others as given.

    ``I;16`` (PNG, TIFF) divides by 257 (65535 → 255); ``I`` the same when its values
    fit 0–65535, else stretches min–max; ``F`` multiplies by 255 when within 0–1, else
    stretches min–max. Pillow's own ``convert("L")`` clips instead (a 16-bit photo of
    mean 107 came out at mean 219, 82 % white).
    """
    from PIL import Image

    if im.mode not in _HIGH_DEPTH:
        return im
    values = np.asarray(im)
    lo, hi = (float(values.min()), float(values.max())) if values.size else (0.0, 0.0)
    if im.mode.startswith("I;16") or (im.mode == "I" and lo >= 0 and hi <= 65535):
        wide = values.astype(np.uint32)
        wide += 128
        wide //= 257
        out = wide.astype(np.uint8)
    elif im.mode == "F" and lo >= 0 and hi <= 1:
        out = np.rint(values * np.float32(255)).astype(np.uint8)
    else:
        scale = np.float32(255 / max(hi - lo, 1e-12))
        out = np.rint((values.astype(np.float32) - np.float32(lo)) * scale).astype(np.uint8)
    return Image.fromarray(out)


def orientation(im: PILImage) -> int:
    """The EXIF orientation of a loaded image (1 when none)."""
    try:
        value = im.getexif().get(0x0112, 1)
    except (OSError, SyntaxError, ValueError, TypeError, KeyError):
        return 1
    return value if isinstance(value, int) and value in _TRANSPOSE else 1


def orient(im: PILImage, value: int) -> PILImage:
    """``im`` turned as the EXIF orientation ``value`` says (a phone photo shows upright).

    Apply it to the smallest copy at hand: it commutes with resizing.
    """
    from PIL import Image

    if value not in _TRANSPOSE:
        return im
    return im.transpose(getattr(Image.Transpose, _TRANSPOSE[value]))


def orient_array(array: np.ndarray, value: int) -> np.ndarray:
    """:func:`orient` for an (H, W[, C]) array: numpy views, then one contiguous copy."""
    turns = {
        2: lambda a: a[:, ::-1],
        3: lambda a: a[::-1, ::-1],
        4: lambda a: a[::-1],
        5: lambda a: a.swapaxes(0, 1),
        6: lambda a: np.rot90(a, -1),
        7: lambda a: a[::-1, ::-1].swapaxes(0, 1),
        8: lambda a: np.rot90(a, 1),
    }
    return np.ascontiguousarray(turns[value](array)) if value in turns else array


def reduce_by(im: PILImage, factor: int) -> PILImage:
    """``im`` shrunk ``factor`` times on each side by a box mean (PIL premultiplies alpha);
    unchanged when ``factor < 2``. Modes PIL cannot average (palette, 1-bit, 16-bit) are
    converted first.
    """
    if factor < 2:
        return im
    im = to_8bit(im)
    if im.mode == "1":
        im = im.convert("L")
    elif im.mode not in _REDUCIBLE:  # no mean of palette indices: colours first
        im = im.convert("RGBA" if has_alpha(im) else "RGB")
    return im.reduce(factor)


def has_alpha(im: PILImage) -> bool:
    """Whether an image has transparency (an alpha channel or a transparent colour)."""
    return im.mode in ("RGBA", "RGBa", "LA", "La", "PA") or "transparency" in im.info


def flatten_alpha(im: PILImage, background: int) -> np.ndarray:
    """Composite an image with transparency onto a grey level, in one pass.

    Premultiplied colour (PIL's ``RGBa``/``La``) is the image over black; adding
    ``background × (1 − alpha)`` puts it over any grey. Only one premultiplied copy is
    made (PIL's ``alpha_composite`` needed three full-size RGBA images). Returns
    (H, W, 3) uint8, or (H, W) for a grey image with alpha (``LA``).
    """
    if im.mode not in ("RGBA", "RGBa", "LA", "La"):
        im = im.convert("RGBA")
    if im.mode in ("RGBA", "LA"):
        im = im.convert(im.mode[:-1] + "a")
    pre = np.asarray(im)
    grey = pre.shape[-1] == 2
    colour = pre[..., 0].copy() if grey else pre[..., :3].copy()
    alpha = pre[..., 1] if grey else pre[..., 3:]
    np.minimum(colour, alpha, out=colour)  # premultiplied colour never passes alpha
    if background:
        colour += ((255 - alpha).astype(np.uint16) * background // 255).astype(np.uint8)
    return colour


def load_image(
    data: bytes,
    *,
    gray: bool = False,
    max_pixels: int | None = None,
    name: str | None = None,
    max_side: int | None = None,
) -> np.ndarray:
    """Decode an uploaded file (PNG, JPEG, BMP, GIF, WebP, TIFF) into a uint8 array.

    The EXIF orientation is applied (a phone photo shows upright), transparency is
    composited onto white and the alpha channel dropped, an animated GIF or a multi-page
    TIFF gives its first frame, 16-bit images are scaled to 0–255 (not clipped). The
    pixel count is checked from the header *before* decoding (``max_pixels``, default
    ``limits().max_image_pixels``), and the byte count against
    ``limits().max_upload_bytes``, so a decompression bomb costs nothing. ``name`` (a
    file name) starts the messages. With ``max_side`` (for a caller that shrinks the
    picture anyway, e.g. with :func:`thumbnail`), a JPEG is decoded at a reduced scale and
    any picture reduced by an integer factor first: the result's longest side is then
    from ``max_side`` to ``2 × max_side`` (unchanged when already smaller).

    Returns (H, W) uint8 for a grey file or when ``gray``; else (H, W, 3) uint8.
    Raises ValueError for an empty, corrupt or non-image file, or too many pixels.

    >>> import io
    >>> from PIL import Image
    >>> buf = io.BytesIO(); Image.new("RGBA", (4, 3), (255, 0, 0, 255)).save(buf, "PNG")
    >>> load_image(buf.getvalue()).shape
    (3, 4, 3)
    """
    from PIL import Image

    if not isinstance(data, bytes | bytearray | memoryview):
        raise ValueError(f"data must be bytes, got {type(data).__name__}")
    label = _prefix(name or "")
    if len(data) == 0:
        raise InputError(
            "image_empty", f"{label}the file is empty: 0 bytes, not an image", name=name or ""
        )
    max_bytes = limits().max_upload_bytes
    if len(data) > max_bytes:
        raise InputError(
            "upload_too_big",
            f"{label}the file is {_size(len(data))}, over the limit of {_size(max_bytes)}",
            name=name or "",
            size=say.size(len(data)),
            limit=say.size(max_bytes),
        )
    if max_side is not None and max_side < 1:
        raise ValueError(f"max_side must be positive, got {max_side!r}")
    im = open_checked(data, name=name or "", max_pixels=max_pixels)
    with im:
        try:
            im.seek(0)
            if max_side and im.format in ("JPEG", "MPO"):
                im.draft(im.mode, (max_side, max_side))
            im.load()
            turn = orientation(im)
            pic = reduce_by(im, max(im.size) // max_side) if max_side else im
            array = _pil_to_array(pic)
        except Image.DecompressionBombError as err:
            raise ImageTooLarge(
                "image_bomb",
                f"{label}{_words(err)}",
                name=name or "",
                limit=say.pixels(_budget(max_pixels)),
            ) from None
        except (OSError, SyntaxError, ValueError, EOFError, TypeError, IndexError) as err:
            raise _unreadable(name or "", _words(err)) from None
    array = orient_array(array, turn)
    return to_gray(array) if gray else array


def _pil_to_array(im: PILImage) -> np.ndarray:
    """A loaded image as (H, W) or (H, W, 3) uint8, transparency over white, one copy."""
    mode = im.mode
    if mode in _HIGH_DEPTH:
        return np.asarray(to_8bit(im))
    if mode in ("1", "L"):
        return np.asarray(im if mode == "L" else im.convert("L"))
    if mode in ("LA", "La"):  # grey with alpha: over white, given as RGB as before
        return np.repeat(flatten_alpha(im, 255)[..., None], 3, axis=2)
    if mode in ("RGBA", "RGBa", "PA") or (mode == "P" and "transparency" in im.info):
        return flatten_alpha(im, 255)
    rgb = np.asarray(im if mode == "RGB" else im.convert("RGB"))
    grey_palette = (
        mode == "P"
        and np.array_equal(rgb[..., 0], rgb[..., 1])
        and np.array_equal(rgb[..., 1], rgb[..., 2])
    )
    if grey_palette:  # a GIF of a grey picture stays grey
        return np.ascontiguousarray(rgb[..., 0])
    return rgb


def _fit_size(shape: tuple[int, ...], max_side: int) -> tuple[int, int] | None:
    """PIL ``(width, height)`` that fits ``(H, W)`` within ``max_side``; None if it fits."""
    h, w = shape[:2]
    if max(h, w) <= max_side:
        return None
    scale = max_side / max(h, w)
    return max(1, round(w * scale)), max(1, round(h * scale))


def thumbnail(image: np.ndarray, max_side: int = 512) -> np.ndarray:
    """A copy no larger than ``max_side`` on its longest side (area resampling), uint8.

    Small images come back unchanged. (H, W[, 3]) uint8 → (h, w[, 3]) uint8.

    >>> thumbnail(np.zeros((1000, 500), np.uint8), 100).shape
    (100, 50)
    """
    from PIL import Image

    image = np.asarray(image)
    if image.ndim not in (2, 3):
        raise ValueError(f"image must be (H, W) or (H, W, 3), got shape {image.shape}")
    if max_side < 1:
        raise ValueError(f"max_side must be positive, got {max_side!r}")
    size = _fit_size(image.shape[:2], max_side)
    if size is None:
        return image
    resized = Image.fromarray(_to_uint8(image)).resize(size, Image.Resampling.BOX)
    return np.asarray(resized, dtype=np.uint8)


def shrink_map(values: np.ndarray, max_side: int = 512) -> np.ndarray:
    """A float map no larger than ``max_side`` on its longest side (area mean), float32.

    Unlike :func:`thumbnail` the values are kept (signed, unscaled): a 2×2 block of an
    activation map becomes its mean. Small maps come back unchanged (as float32).
    (H, W) float → (h, w) float32.

    >>> shrink_map(np.ones((1024, 512), np.float32), 512).shape
    (512, 256)
    """
    from PIL import Image

    values = np.asarray(values)
    if values.ndim != 2:
        raise ValueError(f"map must be (H, W), got shape {values.shape}")
    if max_side < 1:
        raise ValueError(f"max_side must be positive, got {max_side!r}")
    values = values.astype(np.float32, copy=False)
    size = _fit_size(values.shape, max_side)
    if size is None:
        return values
    resized = Image.fromarray(values, mode="F").resize(size, Image.Resampling.BOX)
    return np.asarray(resized, dtype=np.float32)
