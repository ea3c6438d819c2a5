"""File names and loader messages as text a page can show.

A folder may hold names that are not valid UTF-8 (``B\\xe9`` written by an old Windows
zip tool, ``bad_\\xff\\xfe.jpg``). Python keeps such bytes as lone surrogates
(``'B\\udce9'``) so that the file can still be opened, but they cannot be sent to a
browser: any text holding one fails to encode. Loaders keep the real names (they are
needed to open the files); what is *shown* goes through :func:`shown_name`.

A loader's message (a decoder's words, a refused zip) may also name a server path or an
in-memory file object (``<_io.BytesIO object at 0x7f…>``): :func:`plain_detail` keeps
the words and drops those.
"""

from __future__ import annotations

import os
import re

__all__ = ["shown_name", "plain_detail"]

# An object's default repr: "<_io.BytesIO object at 0x7f3a…>", "<PIL.Image… at 0x…>".
_OBJECT = re.compile(r"<[\w.]+(?: [\w.]+)* (?:object )?at 0x[0-9A-Fa-f]+>")
# An absolute path (POSIX or Windows) of two parts or more: shown by its last part.
_PATH = re.compile(r"(?:[A-Za-z]:)?(?:[\\/][^\s\\/'\"(),;:<>]+){2,}")


def shown_name(name: object) -> str:
    """``name`` as text that can always be encoded as UTF-8.

    Bytes that were not valid UTF-8 become U+FFFD (``'B\\udce9'`` → ``'B�'``); any other
    name comes back unchanged.

    >>> shown_name("B\\udce9"), shown_name("Cat"), shown_name(b"bad_\\xff.jpg")
    ('B�', 'Cat', 'bad_�.jpg')
    """
    if isinstance(name, bytes):
        return name.decode("utf-8", errors="replace")
    text = str(name)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    try:  # the bytes the file system gave (surrogate escapes), read as UTF-8
        return os.fsencode(text).decode("utf-8", errors="replace")
    except UnicodeError:  # a lone surrogate that is no escape
        return text.encode("utf-8", errors="replace").decode("utf-8")


def plain_detail(text: object) -> str:
    """A loader's message for people: one line, encodable, without object reprs
    (dropped) or server paths (→ ``…/<last part>``), at most 400 characters.

    >>> plain_detail("cannot identify image file <_io.BytesIO object at 0x7f3a2c>")
    'cannot identify image file'
    >>> plain_detail("'/srv/cnnlab/datasets/PetImages' needs one subfolder per class")
    "'…/PetImages' needs one subfolder per class"
    """
    line = _OBJECT.sub("", shown_name(text))
    line = _PATH.sub(lambda m: "…/" + re.split(r"[\\/]", m.group(0))[-1], line)
    return " ".join(line.split())[:400]
