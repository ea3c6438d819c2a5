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


# --- budgets before work, and high bit depth (cnnlab.limits) ---------------------------


def _png16(values: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(values.astype(np.uint16)).save(buf, "PNG")
    return buf.getvalue()


def _png48(value: int, shape=(4, 5)) -> bytes:
    """A 16-bit-per-channel RGB PNG (48-bit), written by hand: PIL cannot save one."""
    import struct
    import zlib

    h, w = shape
    row = b"\x00" + struct.pack(">H", value) * 3 * w

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    head = struct.pack(">IIBBBBB", w, h, 16, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", head) + chunk(b"IDAT", zlib.compress(row * h))
            + chunk(b"IEND", b""))  # fmt: skip


def test_sixteen_bit_grey_keeps_its_mean():
    rng = np.random.default_rng(1)
    eight = np.clip(rng.normal(107, 40, (40, 50)), 0, 255)
    out = load_image(_png16(eight * 257))
    assert out.dtype == np.uint8 and out.shape == (40, 50)
    assert out.mean() == pytest.approx(eight.mean(), rel=0.02)
    np.testing.assert_allclose(out, np.rint(eight), atol=1)  # value / 257, rounded


def test_to_8bit_scales_each_mode_by_its_range():
    from cnnlab.images import to_8bit

    ramp = np.linspace(0, 65535, 12).reshape(3, 4)
    expected = np.rint(ramp / 257)
    for values in (ramp.astype(np.uint16), ramp.astype(">u2"), ramp.astype(np.int32)):
        im = Image.fromarray(values)
        assert im.mode in ("I;16", "I;16B", "I")
        out = np.asarray(to_8bit(im))
        assert out.dtype == np.uint8 and im.size == (4, 3)
        np.testing.assert_allclose(out, expected, atol=1)
    unit = Image.fromarray(np.linspace(0, 1, 12, dtype=np.float32).reshape(3, 4))
    np.testing.assert_allclose(
        np.asarray(to_8bit(unit)), np.rint(np.linspace(0, 255, 12)).reshape(3, 4), atol=1
    )
    signed = Image.fromarray(np.array([[-1000, 0, 3000]], np.int32))  # not 16-bit: stretched
    assert np.asarray(to_8bit(signed)).tolist() == [[0, 64, 255]]
    rgb = Image.new("RGB", (2, 2))
    assert to_8bit(rgb) is rgb


def test_48_bit_rgb_keeps_its_level():
    out = load_image(_png48(0x8000))
    assert out.shape == (4, 5, 3) and abs(int(out[0, 0, 0]) - 128) <= 1


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_matches_pil(orientation):
    from PIL import ImageOps

    im = Image.fromarray(PHOTO)
    exif = im.getexif()
    exif[0x0112] = orientation
    buf = io.BytesIO()
    im.save(buf, "PNG", exif=exif)
    with Image.open(io.BytesIO(buf.getvalue())) as ref:
        expected = np.asarray(ImageOps.exif_transpose(ref).convert("RGB"))
    assert_array_equal(load_image(buf.getvalue()), expected)


def test_cmyk_jpeg_decodes_as_before():
    cmyk = Image.fromarray(PHOTO).convert("CMYK")
    buf = io.BytesIO()
    cmyk.save(buf, "JPEG", quality=95)
    with Image.open(io.BytesIO(buf.getvalue())) as ref:
        assert ref.mode == "CMYK"
        expected = np.asarray(ref.convert("RGB"))
    assert_array_equal(load_image(buf.getvalue()), expected)


def test_palettes_and_transparency_as_before():
    pal = Image.fromarray(PHOTO).convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    assert_array_equal(load_image(_bytes_of(pal, "PNG")), np.asarray(pal.convert("RGB")))
    grey_pal = Image.fromarray(PHOTO[..., 0]).convert("P")
    assert load_image(_bytes_of(grey_pal, "GIF")).ndim == 2  # a grey GIF stays grey
    clear = pal.copy()
    clear.info["transparency"] = int(np.asarray(pal)[0, 0])
    out = load_image(_bytes_of(clear, "PNG", transparency=clear.info["transparency"]))
    assert_array_equal(out[0, 0], [255, 255, 255])  # the transparent colour becomes white
    rng = np.random.default_rng(3)
    rgba = rng.integers(0, 256, (6, 7, 4), dtype=np.uint8)  # every alpha level
    im = Image.fromarray(rgba)
    old = np.asarray(Image.alpha_composite(Image.new("RGBA", im.size, (255,) * 4), im))[..., :3]
    new = load_image(_bytes_of(im, "PNG"))
    assert np.abs(new.astype(int) - old).max() <= 1  # composited once, same picture


def _bytes_of(im: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **kw)
    return buf.getvalue()


@pytest.mark.parametrize("data", [b"hello", b"\x89PNG\r\n\x1a\n" + bytes(30), b"GIF89a"])
def test_messages_hold_no_object_reprs(data):
    with pytest.raises(ValueError) as err:
        load_image(data, name="photo.png")
    text = str(err.value)
    assert text.startswith("photo.png: ") and "0x" not in text and "<_io" not in text


def test_budgets_come_from_the_environment(monkeypatch):
    data = _encode(np.zeros((30, 40), np.uint8), "PNG")
    monkeypatch.setenv("CNNLAB_MAX_IMAGE_PIXELS", "1000")
    with pytest.raises(ValueError, match="40×30 = 0.0 megapixels, over the limit"):
        load_image(data)
    assert load_image(data, max_pixels=2000).shape == (30, 40)  # an explicit budget wins
    monkeypatch.delenv("CNNLAB_MAX_IMAGE_PIXELS")
    monkeypatch.setenv("CNNLAB_MAX_UPLOAD_BYTES", "100")
    with pytest.raises(ValueError, match=r"the file is [\d,]+ bytes, over the limit of 100 bytes"):
        load_image(_encode(PHOTO, "PNG"))


def test_check_header_reads_the_header_only_and_names_the_file_by_its_base_name(
    tmp_path, monkeypatch
):
    from PIL import ImageFile

    from cnnlab.images import check_header

    path = tmp_path / "deep" / "photo.png"
    path.parent.mkdir()
    path.write_bytes(_encode(PHOTO, "PNG"))

    def refuse(self, *a, **k):
        raise AssertionError("decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)
    assert check_header(path) == (32, 24, "RGB")
    with pytest.raises(ValueError) as err:
        check_header(path, max_pixels=100)
    text = str(err.value)
    assert text.startswith("photo.png: image is 32×24") and str(tmp_path) not in text


def test_max_side_decodes_big_pictures_small_for_a_thumbnail():
    y, x = np.mgrid[0:1500, 0:2000]
    smooth = np.stack([x / 2000 * 255, y / 1500 * 255, np.full_like(x, 90)], -1).astype(np.uint8)
    for fmt in ("JPEG", "PNG"):
        data = _encode(smooth, fmt)
        full = load_image(data)
        small = load_image(data, max_side=256)
        assert full.shape == (1500, 2000, 3)
        assert 256 <= max(small.shape[:2]) < 512 and small.shape[2] == 3
        a, b = thumbnail(full, 256), thumbnail(small, 256)
        assert a.shape == b.shape and np.abs(a.astype(int) - b).mean() < 2
    tiny = _encode(PHOTO, "PNG")
    assert_array_equal(load_image(tiny, max_side=256), PHOTO)
    with pytest.raises(ValueError, match="max_side"):
        load_image(tiny, max_side=0)
