"""Spanish throughout: every page, in Spanish (normal and projector mode, with a trained
run in the store), shows no English word from a list and no catalog key left untranslated.

The text is read from everything the page sends (labels, options as shown, captions,
tables' headers, metrics, tabs, expanders, figure titles, axes, legends and hovers), not
from the catalogs, so a label built in code or a raw id is caught too.
"""

from __future__ import annotations

import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from dashboard.i18n import catalog
from tests.app.conftest import PAGES, open_app

# Words that are English and never Spanish (CNN terms Spanish uses as they are — kernel,
# pooling, batch, accuracy, padding, stride — are not listed).
ENGLISH = {
    "the", "and", "with", "your", "you", "this", "that", "click", "images", "image",
    "training", "validation", "loss", "none", "found", "show", "choose", "load", "loaded",
    "settings", "newest", "oldest", "circle", "square", "triangle", "camera", "coffee",
    "astronaut", "face", "non-face", "run", "runs", "step", "epoch", "epochs", "layer",
    "layers", "filters", "model", "best", "finished", "running", "queued",
    "stopped", "failed", "interrupted", "diverged", "learning", "rate", "seed", "edges",
    "sharpen", "blur", "identity", "outline", "emboss", "shapes",
}  # fmt: skip
# Raw ids: fine inside a term ("Max pooling", "Conv2D"), wrong as a whole label or cell.
# ("same"/"valid" are not listed: Keras' padding values, which the course writes as is.)
RAW_IDS = {"conv", "pool", "max", "avg", "train", "val", "data"}
# Proper names, Spanish usage and glosses that legitimately hold English words.
# ("shapes demo" is the name the shared test run was given, not the app's text.)
ALLOWED = (
    "Labeled Faces in the Wild",
    "model.summary()",
    "deep learning",
    "(sharpen)",
    "(emboss)",
    "shapes demo",
)
SECTIONS = ("common", "nav", "home", "kernels", "pooling", "architecture", "data", "train",
            "inspect", "experiments")  # fmt: skip
KEY = re.compile(rf"\b(?:{'|'.join(SECTIONS)})\.[a-z][a-z0-9_]+\b")
WORD = re.compile(r"[A-Za-zÁÉÍÓÚÜÑáéíóúüñ]+(?:-[A-Za-z]+)?")
SKIP_FIELDS = {"id", "form_id", "key", "url", "icon", "spec", "data", "page_script_hash",
               "url_path", "script_hash", "page_name", "theme", "type", "arrow_data",
               "styler", "format", "width_config", "height_config", "main_script_path",
               "raw_value", "raw_values", "page", "default"}  # fmt: skip
SKIP_ELEMENTS = {"code", "json"}  # Python source and raw configs are code, not prose


def _strings(msg, out: list[str]) -> None:
    for field, value in msg.ListFields():
        if field.name in SKIP_FIELDS:
            continue
        many = field.is_repeated
        if field.type == field.TYPE_STRING:
            out.extend(_shown(v) for v in (value if many else [value]))
        elif field.type == field.TYPE_MESSAGE:
            for v in value if many else [value]:
                _strings(v, out)


def _shown(text: str) -> str:
    """A JSON config string (a table's column config) shows only its labels and helps."""
    if not text.startswith("{"):
        return text
    try:
        doc = json.loads(text)
    except ValueError:
        return text
    found: list[str] = []
    stack = [doc]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            found += [str(v) for k, v in item.items() if k in ("label", "help") and v]
            stack += [v for v in item.values() if isinstance(v, dict | list)]
        elif isinstance(item, list):
            stack += item
    return " · ".join(found)


def _figure_strings(spec: str, out: list[str]) -> None:
    fig = json.loads(spec)
    layout = fig.get("layout", {})

    def title(t):
        return t.get("text", "") if isinstance(t, dict) else (t or "")

    out.append(title(layout.get("title")))
    for k, v in layout.items():
        if k.startswith(("xaxis", "yaxis")) and isinstance(v, dict):
            out.append(title(v.get("title")))
            out.extend(str(x) for x in v.get("ticktext") or [])
    out.extend(a.get("text", "") for a in layout.get("annotations", []))
    for trace in fig.get("data", []):
        out.append(str(trace.get("name") or ""))
        out.append(re.sub(r"%\{[^}]*\}|<[^>]+>", " ", str(trace.get("hovertemplate") or "")))
        for k in ("text", "x", "y"):
            vals = trace.get(k)
            if isinstance(vals, list):
                out.extend(v for v in vals if isinstance(v, str))


def page_texts(at: AppTest) -> list[str]:
    """Every string a page run sent to the browser, figures' texts included."""
    out: list[str] = []
    stack = [at._tree]
    while stack:
        node = stack.pop()
        stack.extend(getattr(node, "children", {}).values())
        proto = getattr(node, "proto", None)
        if proto is None or getattr(node, "type", "") in SKIP_ELEMENTS:
            continue
        _strings(proto, out)
        if getattr(node, "type", "") == "plotly_chart":
            _figure_strings(proto.spec, out)
    # CSS sent with st.markdown (<style> blocks) is not text anyone reads
    return [s for s in out if s and s.strip() and not s.lstrip().startswith("<style")]


def english_in(texts: list[str]) -> list[str]:
    """``word ← text`` for each listed English word found (allowed names removed)."""
    found = []
    for text in texts:
        clean = text
        for name in ALLOWED:
            clean = clean.replace(name, " ")
        clean = re.sub(r"`[^`]*`", " ", clean)  # inline code
        clean = re.sub(r"https?://\S+|\S+\.(?:py|png|keras|json|csv|zip)\b", " ", clean)
        clean = re.sub(r"data:[\w/+.-]+;base64,[\w+/=]+", " ", clean)  # an inline picture
        if clean.strip() in RAW_IDS:
            found.append(f"{clean.strip()} ← raw id")
        for word in WORD.findall(clean):
            if word.lower() in ENGLISH:
                found.append(f"{word} ← {text[:90]!r}")
    return found


def _open(page_file: str, projector: bool) -> AppTest:
    """The page in Spanish, with every expander whose content runs only while open
    (``ui.expander``: a stateful one, its id ends with its key) opened, so that the
    scan reads that content too."""
    at = open_app(page_file, lang="es", timeout=120, **({"projector": "1"} if projector else {}))
    hidden = [e.proto.id.split("-", 2)[2] for e in at.expander if e.proto.id]
    for key in hidden:
        at.session_state[key] = True
    return at.run() if hidden else at


@pytest.fixture
def home_with_a_run(trained_run, tmp_path, monkeypatch):
    """Train, Inspect and Experiments with a finished run to show."""
    home = trained_run.copy_home(tmp_path / "home")
    monkeypatch.setenv("CNNLAB_HOME", str(home))
    return home


@pytest.mark.parametrize("projector", [False, True], ids=["normal", "projector"])
@pytest.mark.parametrize("page_file", [f for f, _ in PAGES])
def test_every_page_speaks_spanish(page_file, projector, home_with_a_run):
    at = _open(page_file, projector)
    assert not at.exception
    texts = page_texts(at)
    assert texts, "nothing read from the page"
    if page_file == "page_architecture.py":  # its Keras code's expander was opened
        assert catalog("es")["architecture.download"] in texts
    missing = sorted({m for t in texts for m in KEY.findall(t)})
    assert missing == [], f"untranslated catalog keys on {page_file}: {missing}"
    english = english_in(texts)
    assert english == [], f"English on the Spanish {page_file}:\n" + "\n".join(english)


def test_the_scan_finds_english_and_missing_keys():
    """The scanner itself: it flags an English word and a raw key, and lets Spanish,
    CNN terms and proper names through."""
    assert english_in(["Entrena el modelo con 2 000 imágenes"]) == []
    assert english_in(["Kernel 3×3 · pooling máximo · batch 32 · accuracy 0.81"]) == []
    assert english_in(["Labeled Faces in the Wild"]) == []
    assert english_in(["Max pooling → 64×64", "conv2d_1", "Conv2D"]) == []
    assert english_in(["pool"]) == ["pool ← raw id"]
    assert english_in(["bordes de camera"]) == ["camera ← 'bordes de camera'"]
    assert len(english_in(["Validation accuracy"])) == 1
    assert KEY.findall("Pulsa train.start_button") == ["train.start_button"]
