"""Render a fictional plain cable as the Markdown export and the archive HTML page (tests)."""

from __future__ import annotations

import html
import re

_PARA_RE = re.compile(r"^\u00b6(\d+)\.", re.M)
_PAGE_RE = re.compile(r"^[A-Z][A-Z .]* \d{8} \d{3}(?:\.\d)? OF \d{3}$")


def _is_break(line: str) -> bool:
    return bool(_PAGE_RE.match(line)) or line.startswith(("TAGS", "SUBJECT", "REF", "Classified"))


def to_markdown(plain: str) -> str:
    """The Markdown export: pilcrow links, tag links, wrapped body lines joined, two blank lines."""
    header, _, body = plain.partition("\n\n")
    out: list[str] = []
    for block in body.split("\n\n"):
        lines = block.split("\n")
        joined: list[str] = []
        for line in lines:
            if joined and line and not _is_break(line) and not _is_break(joined[-1]):
                joined[-1] += " " + line
            else:
                joined.append(line)
        out.append("\n".join(joined))
    text = header + "\n\n" + "\n\n".join(out)
    text = _PARA_RE.sub(lambda m: f"[\u00b6{m.group(1)}.](#)", text)

    def tags(m: re.Match[str]) -> str:
        words = m.group(2).split()
        return m.group(1) + " ".join(f"[{w}](#)" for w in words)

    text = re.sub(r"^(TAGS:? )(.*)$", tags, text, count=1, flags=re.M)
    return "\n\n" + text.rstrip("\n")


def to_html(plain: str, wrong_metadata: bool = True) -> str:
    """The archive page: a metadata table (deliberately wrong) and two ``<pre>`` blocks."""
    header, _, body = plain.partition("\n\n")

    def pre(text: str) -> str:
        esc = html.escape(text, quote=False)
        esc = re.sub(
            r"^\u00b6(\d+)",
            lambda m: f"<a id='par{m.group(1)}' href='#par{m.group(1)}'>\u00b6</a>" + m.group(1),
            esc,
            flags=re.M,
        )
        esc = re.sub(
            r"^(TAGS:? )(.*)$",
            lambda m: (
                m.group(1)
                + " ".join(f"<a href='/tag/{w}_0.html'>{w}</a>" for w in m.group(2).split())
            ),
            esc,
            count=1,
            flags=re.M,
        )
        return "<code><pre>" + esc.replace("\n", " &#x000A;") + "</pre></code>"

    meta = "<td>99NOWHERE1</td><td>TOP SECRET</td>" if wrong_metadata else ""
    return (
        "<html><head><title>cable</title></head><body>\n<table class='cable'><tr>"
        + meta
        + "</tr></table>\n"
        + pre(header)
        + "\n"
        + pre(body)
        + "\n</body></html>\n"
    )


def renderings(plain: str) -> dict[str, str]:
    """The three renderings of one cable."""
    return {"text": plain, "markdown": to_markdown(plain), "html": to_html(plain)}
