"""Sample photos and safe decoding of uploads (formats, EXIF, alpha, bombs, corrupt files)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from PIL import Image

from cnnlab.images import (
    COURSE_MATRIX,
    SAMPLES,
    load_image,
    sample,
    shrink_map,
    thumbnail,
    to_gray,
)

RNG = np.random.default_rng(0)
PHOTO = RNG.integers(0, 256, size=(24, 32, 3), dtype=np.uint8)


def _encode(array: np.ndarray, fmt: str, **kwargs) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, fmt, **kwargs)
    return buf.getvalue()


def test_seed_matrix():
    assert COURSE_MATRIX.tolist()[0] == [4, 1, 7, 2, 3] and COURSE_MATRIX.shape == (5, 5)


@pytest.mark.parametrize("name", SAMPLES)
def test_every_sample_loads_offline_as_uint8(name):
    img = sample(name)
    assert img.dtype == np.uint8 and img.ndim in (2, 3)
    if img.ndim == 3:
        assert img.shape[2] == 3
    grey = sample(name, gray=True)
    assert grey.shape == img.shape[:2] and grey.dtype == np.uint8
    # The same pixels as scikit-image's own loader (which goes through skimage.io).
    import skimage.data

    reference = np.asarray(getattr(skimage.data, name)())
    assert_array_equal(img, reference[..., :3] if reference.ndim == 3 else reference)


def test_samples_do_not_import_skimage_io():
    """``skimage.io`` takes ~0.5 s to import; the first Home visit must not wait for it."""
    import subprocess
    import sys

    code = "import sys; from cnnlab.images import sample; sample('camera'); " + (
        "print('skimage.io' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr


def test_required_samples_and_unknown_name():
    for name in ("camera", "chelsea", "astronaut", "coffee", "text"):
        assert name in SAMPLES
    with pytest.raises(ValueError, match="unknown sample 'house'"):
        sample("house")


@pytest.mark.parametrize("fmt", ["PNG", "BMP", "TIFF", "WEBP"])
def test_lossless_formats_round_trip_exactly(fmt):
    kwargs = {"lossless": True} if fmt == "WEBP" else {}
    assert_array_equal(load_image(_encode(PHOTO, fmt, **kwargs)), PHOTO)


def test_jpeg_and_gif_decode_to_rgb():
    for fmt in ("JPEG", "GIF"):
        out = load_image(_encode(PHOTO, fmt))
        assert out.shape == PHOTO.shape and out.dtype == np.uint8


def test_gray_option_and_grey_files():
    grey = PHOTO[..., 0]
    assert_array_equal(load_image(_encode(grey, "PNG")), grey)  # a grey file stays 2-D
    out = load_image(_encode(PHOTO, "PNG"), gray=True)
    assert out.shape == PHOTO.shape[:2]
    assert_array_equal(out, to_gray(PHOTO))


@pytest.mark.parametrize(("orientation", "shape"), [(1, (20, 40)), (3, (20, 40)), (6, (40, 20)),
                                                    (8, (40, 20))])  # fmt: skip
def test_exif_orientation_is_honoured(orientation, shape):
    img = np.zeros((20, 40, 3), np.uint8)
    img[:10, :10] = 255  # a bright top-left corner
    im = Image.fromarray(img)
    exif = im.getexif()
    exif[0x0112] = orientation
    buf = io.BytesIO()
    im.save(buf, "PNG", exif=exif)
    out = load_image(buf.getvalue())
    assert out.shape[:2] == shape
    corner = {1: (0, 0), 3: (-1, -1), 6: (0, -1), 8: (-1, 0)}[orientation]
    assert out[corner[0], corner[1]].mean() > 200


def test_alpha_is_dropped_and_transparency_becomes_white():
    rgba = np.zeros((4, 5, 4), np.uint8)
    rgba[..., 0] = 200
    rgba[:2, ..., 3] = 255  # top half opaque red, bottom half transparent
    out = load_image(_encode(rgba, "PNG"))
    assert out.shape == (4, 5, 3)
    assert_array_equal(out[0, 0], [200, 0, 0])
    assert_array_equal(out[3, 0], [255, 255, 255])
    la = np.stack([np.full((3, 3), 50, np.uint8), np.full((3, 3), 255, np.uint8)], -1)
    assert load_image(_encode(la, "PNG"), gray=True)[0, 0] == 50


def test_animated_gif_gives_the_first_frame():
    frames = [Image.fromarray(np.full((6, 6, 3), v, np.uint8)) for v in (10, 240)]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:])
    assert load_image(buf.getvalue(), gray=True).max() < 50


def test_sixteen_bit_is_scaled():
    im = Image.fromarray(np.full((3, 3), 65535, np.uint16))
    buf = io.BytesIO()
    im.save(buf, "PNG")
    assert load_image(buf.getvalue()).max() == 255


def test_too_many_pixels_is_refused_from_the_header():
    data = _encode(np.zeros((300, 400), np.uint8), "PNG")
    with pytest.raises(ValueError, match=r"400×300 = 0.1 megapixels, over the limit"):
        load_image(data, max_pixels=100_000)


def test_decompression_bombs_are_refused():
    for side in (6_000, 20_000):  # 36 Mpx (our limit) and 400 Mpx (PIL's own refusal)
        buf = io.BytesIO()
        Image.new("1", (side, side)).save(buf, "PNG")
        assert len(buf.getvalue()) < 100_000  # tiny file, huge picture
        with pytest.raises(ValueError, match="megapixels"):
            load_image(buf.getvalue())


@pytest.mark.parametrize(
    "data",
    [b"", b"hello, I am text", b"%PDF-1.4 not an image", _encode(PHOTO, "JPEG")[:300],
     _encode(PHOTO, "PNG")[:60]],
)  # fmt: skip
def test_corrupt_and_non_image_files_are_reported(data):
    with pytest.raises(ValueError, match="not an image|empty"):
        load_image(data)


def test_thumbnail():
    assert thumbnail(np.zeros((1000, 500, 3), np.uint8), 100).shape == (100, 50, 3)
    small = np.ones((10, 10), np.uint8)
    assert thumbnail(small, 100) is small


def test_shrink_map_is_a_block_mean_that_keeps_signed_values():
    rng = np.random.default_rng(0)
    big = rng.normal(0, 50, (1024, 768)).astype(np.float64)
    small = shrink_map(big, 512)
    assert small.shape == (512, 384) and small.dtype == np.float32
    reference = big.reshape(512, 2, 384, 2).mean(axis=(1, 3))  # numpy, independent of PIL
    np.testing.assert_allclose(small, reference, rtol=1e-4, atol=1e-3)
    assert small.min() < 0  # no clipping to uint8
    tiny = np.arange(6, dtype=np.float32).reshape(2, 3)
    assert shrink_map(tiny, 512) is tiny
    with pytest.raises(ValueError, match="map must be"):
        shrink_map(np.zeros((4, 4, 3)), 2)
    with pytest.raises(ValueError, match="max_side"):
        shrink_map(big, 0)
