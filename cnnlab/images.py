"""Images for the lessons: offline sample photos, safe upload decoding, the seed's matrix.

Every function returns ``uint8`` arrays: ``(H, W)`` for grey, ``(H, W, 3)`` for colour.

>>> from cnnlab.images import COURSE_MATRIX, sample
>>> sample("camera").shape, COURSE_MATRIX.shape
((512, 512), (5, 5))
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage

__all__ = [
    "SAMPLES",
    "COURSE_MATRIX",
    "MAX_PIXELS",
    "FORMATS",
    "sample",
    "load_image",
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

MAX_PIXELS = 25_000_000  # default pixel cap for uploads: ~25 megapixels
FORMATS: tuple[str, ...] = ("png", "jpg", "jpeg", "bmp", "gif", "webp", "tif", "tiff")

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


def _pixels_message(width: int, height: int, max_pixels: int) -> str:
    return (
        f"image is {width}×{height} = {width * height / 1e6:.1f} megapixels, "
        f"over the limit of {max_pixels / 1e6:.0f} megapixels"
    )


def _bomb_message(err: Exception, max_pixels: int) -> str:
    return (
        f"image has far too many pixels (a decompression bomb?), over the limit of "
        f"{max_pixels / 1e6:.0f} megapixels: {err}"
    )


def load_image(data: bytes, *, gray: bool = False, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """Decode an uploaded file (PNG, JPEG, BMP, GIF, WebP, TIFF) into a uint8 array.

    The EXIF orientation is applied (a phone photo shows upright), transparency is
    composited onto white and the alpha channel dropped, an animated GIF or a multi-page
    TIFF gives its first frame, 16-bit images are scaled to 0–255. The pixel count is
    checked from the header *before* decoding, so a decompression bomb costs nothing.

    Returns (H, W) uint8 for a grey file or when ``gray``; else (H, W, 3) uint8.
    Raises ValueError for an empty, corrupt or non-image file, or too many pixels.

    >>> import io
    >>> from PIL import Image
    >>> buf = io.BytesIO(); Image.new("RGBA", (4, 3), (255, 0, 0, 255)).save(buf, "PNG")
    >>> load_image(buf.getvalue()).shape
    (3, 4, 3)
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    if not isinstance(data, bytes | bytearray | memoryview):
        raise ValueError(f"data must be bytes, got {type(data).__name__}")
    if len(data) == 0:
        raise ValueError("the file is empty: 0 bytes, not an image")
    if max_pixels < 1:
        raise ValueError(f"max_pixels must be positive, got {max_pixels!r}")
    with warnings.catch_warnings():
        # PIL warns above ~89 Mpx (our own check below gives the clearer message) and
        # refuses above ~179 Mpx before we can read the size.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            im = Image.open(io.BytesIO(bytes(data)))
        except Image.DecompressionBombError as err:
            raise ValueError(_bomb_message(err, max_pixels)) from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
            raise ValueError(f"not an image, or a corrupt file: {err}") from None
        width, height = im.size
        if width * height > max_pixels:
            raise ValueError(_pixels_message(width, height, max_pixels))
        if width < 1 or height < 1:
            raise ValueError(f"image has no pixels: {width}×{height}")
        try:
            im.seek(0)
            im.load()
            array = _pil_to_array(ImageOps.exif_transpose(im) or im)
        except Image.DecompressionBombError as err:
            raise ValueError(_bomb_message(err, max_pixels)) from None
        except (OSError, SyntaxError, ValueError, EOFError, TypeError) as err:
            raise ValueError(f"not an image, or a corrupt file: {err}") from None
    return to_gray(array) if gray else array


def _pil_to_array(im: PILImage) -> np.ndarray:
    from PIL import Image

    mode = im.mode
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        array = np.asarray(im).astype(np.float64)
        top = 65535.0 if mode.startswith("I;16") else max(float(array.max()), 1.0)
        if mode == "F" and array.min() >= 0 and array.max() <= 1:
            top = 1.0
        return np.clip(np.rint(array / top * 255), 0, 255).astype(np.uint8)
    if mode == "P" and "transparency" in im.info:
        im = im.convert("RGBA")
        mode = "RGBA"
    if mode == "LA" or mode == "La":
        im = im.convert("RGBA")
        mode = "RGBA"
    if mode in ("1", "L"):
        return np.ascontiguousarray(np.asarray(im.convert("L"), dtype=np.uint8))
    if mode in ("RGBA", "RGBa", "PA"):
        im = im.convert("RGBA")
        white = Image.new("RGBA", im.size, (255, 255, 255, 255))
        im = Image.alpha_composite(white, im)
    rgb = np.asarray(im.convert("RGB"), dtype=np.uint8)
    grey_palette = (
        mode == "P"
        and np.array_equal(rgb[..., 0], rgb[..., 1])
        and np.array_equal(rgb[..., 1], rgb[..., 2])
    )
    if grey_palette:  # a GIF of a grey picture stays grey
        return np.ascontiguousarray(rgb[..., 0])
    return np.ascontiguousarray(rgb)


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
