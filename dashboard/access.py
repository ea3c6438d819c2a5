"""Who you are on this server (student or teacher), shown and changed in the sidebar.

The identity and the rule live in :mod:`dashboard.state` (``owner``, ``is_teacher``,
``may_change``) and :func:`cnnlab.compare.may_change`; this module draws the sidebar's
"Teacher" expander: who you are in words, and the teacher password box when the server
has one in ``.streamlit/secrets.toml``.
"""

from __future__ import annotations

import hmac

import streamlit as st

from dashboard import state
from dashboard.i18n import t

__all__ = ["sidebar_box"]

WRONG = "_access_wrong"  # set when the last password entered was wrong


def _login() -> None:
    typed = str(st.session_state.get("access_password") or "")
    password = state.secret("teacher_password")
    st.session_state["access_password"] = ""  # never kept in the session
    if password and hmac.compare_digest(typed.encode(), password.encode()):
        st.session_state[state.TEACHER] = state.password_hash(password)
        st.session_state.pop(WRONG, None)
    else:
        st.session_state[WRONG] = True


def _logout() -> None:
    st.session_state.pop(state.TEACHER, None)


def sidebar_box() -> None:
    """The sidebar's "Teacher" expander (call inside ``with st.sidebar``)."""
    teacher, role = state.is_teacher(), state.teacher_role()
    with st.expander(t("access.title"), icon=":material/school:"):
        who = state.owner()
        if teacher:
            st.markdown(t("access.you_teacher"))
        elif role:
            st.markdown(t("access.you_student"))
        else:
            st.markdown(t("access.you_everyone"))
        st.caption(t("access.your_id", id=who.split(":", 1)[-1][:24]))
        if teacher and st.session_state.get(state.TEACHER):
            st.button(t("access.logout"), key="access_logout", on_click=_logout)
        elif not teacher and state.secret("teacher_password"):
            st.text_input(
                t("access.password"), key="access_password", type="password",
                autocomplete="current-password",
            )  # fmt: skip
            st.button(t("access.login"), key="access_login", on_click=_login)
            if st.session_state.get(WRONG):
                st.warning(t("access.wrong"), icon=":material/lock:")
