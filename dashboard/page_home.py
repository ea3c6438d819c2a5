"""Home: what CNN Lab is, the path through the pages, and one picture that shows it."""

import streamlit as st

from dashboard import ui
from dashboard.i18n import t

ui.header("home")
st.markdown(t("home.what"))
st.subheader(t("home.path_title"))
for slug in ("kernels", "pooling", "architecture", "data", "train", "inspect", "experiments"):
    st.page_link(f"page_{slug}.py", label=f"**{t(f'nav.{slug}')}** — {t(f'{slug}.lead')}")
