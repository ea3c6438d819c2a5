"""Home: what CNN Lab is, the path through the pages, and one picture that shows it.

The picture is ``cnnlab.pipeline.first_stage``: the course's edge kernel on a photo,
ReLU, and two 2×2 max poolings, computed live (no TensorFlow).
"""

from __future__ import annotations

import base64
import html
import io

import numpy as np
import streamlit as st
from PIL import Image

from cnnlab.pipeline import first_stage
from dashboard import ui
from dashboard.i18n import t

PATH = ("kernels", "pooling", "architecture", "data", "train", "inspect", "experiments")
PICTURE_COLUMNS = [3, 1.6, 3, 3, 3]  # image, kernel, map, pooled, pooled again


@st.cache_data(show_spinner=False)
def _picture() -> tuple[list[str], list[str], np.ndarray]:
    """The stage's pictures (image, map, pooled, pooled again) as JPEG data URIs, their
    sizes ("256×256") and the kernel."""
    stages = first_stage()
    uris, sizes = [], []
    for m in stages.maps:
        buf = io.BytesIO()
        Image.fromarray(np.asarray(m * 255, dtype=np.uint8)).save(buf, "JPEG", quality=90)
        uris.append("data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode())
        sizes.append(f"{m.shape[0]}×{m.shape[1]}")
    return uris, sizes, np.array(stages.kernel)


def _kernel_html(kernel: np.ndarray) -> str:
    """The kernel as a small table of whole numbers, with an arrow to the map."""
    cells = "".join(
        "<tr>" + "".join(f"<td style='padding:0 .3em'>{int(v)}</td>" for v in row) + "</tr>"
        for row in kernel
    )
    return (
        "<div style='text-align:center;white-space:nowrap;font-family:monospace'>"
        f"{html.escape(t('home.pic_kernel'))}<table style='margin:auto;font-weight:bold'>"
        f"{cells}</table>→</div>"
    )


def _figure(uri: str, caption: str) -> str:
    return (
        f"<figure style='margin:0;text-align:center'><img src='{uri}' alt='{caption}' "
        "style='width:100%;border-radius:.5rem'><figcaption style='font-size:.875rem;"
        f"opacity:.6;margin-top:.4rem'>{caption}</figcaption></figure>"
    )


def _picture_section() -> None:
    """A CNN's first stage in one row: image → kernel → map → pooled → pooled again.

    One HTML element with the pictures inline: a first visit gets it in one message and
    no image requests (Home is what a fresh server shows first)."""
    uris, sizes, kernel = _picture()
    captions = [
        t("home.pic_image", shape=sizes[0]),
        t("home.pic_map", shape=sizes[1]),
        t("home.pic_pool", shape=sizes[2]),
        t("home.pic_pool", shape=sizes[3]),
    ]
    parts = [_figure(u, html.escape(c)) for u, c in zip(uris, captions, strict=True)]
    parts.insert(1, _kernel_html(kernel))
    row = "".join(
        f"<div style='flex:{grow} 1 0;min-width:0'>{part}</div>"
        for grow, part in zip(PICTURE_COLUMNS, parts, strict=True)
    )
    st.html(f"<div style='display:flex;align-items:center;gap:1rem'>{row}</div>")
    st.caption(t("home.pic_caption"))


def _path_section() -> None:
    """The pages in teaching order, each with its one-line lead."""
    st.subheader(t("home.path_title"))
    for n, slug in enumerate(PATH, start=1):
        label = f"{n}. **{t(f'nav.{slug}')}** — {t(f'{slug}.lead')}"
        st.page_link(f"page_{slug}.py", label=label)
    st.info(t("home.start_here"), icon=":material/school:")


def render() -> None:
    """The Home page."""
    ui.header("home")
    st.markdown(t("home.what"))
    _picture_section()
    _path_section()


if __name__ == "__main__":
    render()
