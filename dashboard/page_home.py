"""Home: what CNN Lab is, the path through the pages, and one picture that shows it.

The picture is ``cnnlab.pipeline.first_stage``: the course's edge kernel on a photo,
ReLU, and two 2×2 max poolings, computed live (no TensorFlow).
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from cnnlab.pipeline import first_stage
from dashboard import ui
from dashboard.i18n import t

PATH = ("kernels", "pooling", "architecture", "data", "train", "inspect", "experiments")
PICTURE_COLUMNS = [3, 1.6, 3, 3, 3]  # image, kernel, map, pooled, pooled again


@st.cache_data(show_spinner=False)
def _picture() -> tuple[list[np.ndarray], np.ndarray]:
    """The stage's pictures as uint8 (image, map, pooled, pooled again) and its kernel."""
    stages = first_stage()
    return [np.asarray(m * 255, dtype=np.uint8) for m in stages.maps], stages.kernel


def _shape(picture: np.ndarray) -> str:
    return f"{picture.shape[0]}×{picture.shape[1]}"


def _kernel_html(kernel: np.ndarray) -> str:
    """The kernel as a small table of whole numbers, with an arrow to the map."""
    cells = "".join(
        "<tr>" + "".join(f"<td style='padding:0 .3em'>{int(v)}</td>" for v in row) + "</tr>"
        for row in kernel
    )
    return (
        "<div style='text-align:center;white-space:nowrap;font-family:monospace'>"
        f"{t('home.pic_kernel')}<table style='margin:auto;font-weight:bold'>{cells}"
        "</table>→</div>"
    )


def _picture_section() -> None:
    """A CNN's first stage in one row: image → kernel → map → pooled → pooled again."""
    maps, kernel = _picture()
    captions = [
        t("home.pic_image", shape=_shape(maps[0])),
        None,
        t("home.pic_map", shape=_shape(maps[1])),
        t("home.pic_pool", shape=_shape(maps[2])),
        t("home.pic_pool", shape=_shape(maps[3])),
    ]
    cols = st.columns(PICTURE_COLUMNS, vertical_alignment="center")
    for col, cap, img in zip(cols, captions, [maps[0], None, *maps[1:]], strict=True):
        with col:
            if img is None:
                st.markdown(_kernel_html(kernel), unsafe_allow_html=True)
            else:
                st.image(img, caption=cap, width="stretch")
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
