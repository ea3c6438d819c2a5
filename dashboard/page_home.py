"""Home: what CNN Lab is, the path through the pages, and one picture that shows it."""

import numpy as np
import streamlit as st

from cnnlab.pipeline import first_stage
from dashboard import ui
from dashboard.i18n import t

PATH = ("kernels", "pooling", "architecture", "data", "train", "inspect", "experiments")


@st.cache_data(show_spinner=False)
def _picture() -> tuple[list[np.ndarray], np.ndarray]:
    stages = first_stage()
    return [np.asarray(m * 255, dtype=np.uint8) for m in stages.maps], stages.kernel


ui.header("home")
st.markdown(t("home.what"))

maps, kernel = _picture()
cols = st.columns([3, 1.6, 3, 3, 3], vertical_alignment="center")
captions = [
    t("home.pic_image", shape=f"{maps[0].shape[0]}×{maps[0].shape[1]}"),
    None,
    t("home.pic_map", shape=f"{maps[1].shape[0]}×{maps[1].shape[1]}"),
    t("home.pic_pool", shape=f"{maps[2].shape[0]}×{maps[2].shape[1]}"),
    t("home.pic_pool", shape=f"{maps[3].shape[0]}×{maps[3].shape[1]}"),
]
for col, cap, img in zip(cols, captions, [maps[0], None, *maps[1:]], strict=True):
    with col:
        if img is None:
            cells = "".join(
                "<tr>" + "".join(f"<td style='padding:0 .3em'>{int(v)}</td>" for v in row) + "</tr>"
                for row in kernel
            )
            st.markdown(
                "<div style='text-align:center;white-space:nowrap;font-family:monospace'>"
                f"{t('home.pic_kernel')}<table style='margin:auto;font-weight:bold'>{cells}"
                "</table>→</div>",
                unsafe_allow_html=True,
            )
        else:
            st.image(img, caption=cap, width="stretch")
st.caption(t("home.pic_caption"))

st.subheader(t("home.path_title"))
for n, slug in enumerate(PATH, start=1):
    st.page_link(f"page_{slug}.py", label=f"{n}. **{t(f'nav.{slug}')}** — {t(f'{slug}.lead')}")
st.info(t("home.start_here"), icon=":material/school:")
