"""Turn ASCII punctuation beside Chinese text in Python string literals into full-width.

    python scripts/fix_punctuation.py components/ pages/x.py      # list what would change
    python scripts/fix_punctuation.py --write components/         # change the files
    python scripts/fix_punctuation.py --write --escape app.py     # write \\uff0c-style escapes

Only string literals are read (found with `tokenize`); code, comments and docstrings are left
alone, and so are `{}`/`%` placeholders and format specs, URLs, raw strings (regular
expressions), Altair field types ("占比:Q"), strings without Chinese characters (SQL, keys)
and literals on a line marked `# keep-ascii` (column names as the import files spell them).
`, : ; ( ) ? !` next to a Chinese character become `，：；（）？！`, a bracket pair around
Chinese text becomes `（）`, and "…" or 「…」 around Chinese text becomes “…”. Some
editors turn full-width punctuation back into ASCII; `--escape` writes the escapes, which
survive such editors.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

FULL_WIDTH = {",": "，", ":": "：", ";": "；", "(": "（", ")": "）", "?": "？", "!": "！"}
# CJK ideographs, extension A, compatibility ideographs, CJK punctuation and full-width forms.
CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef\u201c\u201d"
_CJK = re.compile(f"[{CJK}]")
_IDEOGRAPH = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# Spans never touched: placeholders, %-formats, URLs, backslash escapes.
_PROTECTED = re.compile(
    r"\{\{|\}\}"  # escaped braces in a format string
    r"|\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}"  # {name}, {value:,}, {x[0]:>{w}}
    r"|%\([^)]*\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]"  # %(name)s
    r"|https?://[!-~]*[A-Za-z0-9/_=#-]"
    r"|\\N\{[^}]*\}|\\u[0-9a-fA-F]{4}|\\U[0-9a-fA-F]{8}|\\x[0-9a-fA-F]{2}|\\."
)
_REGEX_HINTS = re.compile(r"\(\?|\\[dswbDSWB]|\[\^|\\\.")
_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
# A chart field with its type, as Altair spells it ("占比:Q"): a name, not text.
_ENCODING = re.compile(r"^[^:\s]+:[QNOTG]$")


def is_cjk(ch: str) -> bool:
    return bool(ch) and bool(_CJK.match(ch))


def decode_escapes(text: str) -> str:
    """`\\uff0c` → `，`, so text written with escapes reads as what it shows."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


@dataclass(frozen=True)
class Piece:
    text: str
    protected: bool


def pieces(body: str) -> list[Piece]:
    """Split a literal's source body into plain text and protected spans."""
    out: list[Piece] = []
    pos = 0
    for m in _PROTECTED.finditer(body):
        if m.start() > pos:
            out.append(Piece(body[pos:m.start()], False))
        out.append(Piece(m.group(0), True))
        pos = m.end()
    if pos < len(body):
        out.append(Piece(body[pos:], False))
    return out


@dataclass
class Unit:
    """One editable character, or one protected span read as the character it shows."""
    source: str
    shown: str
    editable: bool


def units(body: str) -> list[Unit]:
    out: list[Unit] = []
    for p in pieces(body):
        if not p.protected:
            out.extend(Unit(c, c, True) for c in p.text)
        elif _ESCAPE.fullmatch(p.text):
            out.append(Unit(p.text, decode_escapes(p.text), False))
        elif p.text in ('\\"', "\\'"):
            out.append(Unit(p.text, p.text[1], False))
        else:
            out.append(Unit(p.text, "x", False))  # a placeholder: neither Chinese nor punctuation
    return out


def fix_text(body: str) -> str:
    """Full-width punctuation for one literal's body (source text between the quotes)."""
    if not _IDEOGRAPH.search(decode_escapes(body)):
        return body
    us = units(body)
    shown = [u.shown for u in us]
    converted: set[int] = set()
    for i, u in enumerate(us):
        if u.editable and u.shown in FULL_WIDTH and (
                (i > 0 and is_cjk(shown[i - 1])) or (i + 1 < len(us) and is_cjk(shown[i + 1]))):
            converted.add(i)
    for open_i, close_i in _pairs(us):
        inside = "".join(shown[open_i + 1:close_i])
        if open_i in converted or close_i in converted or _IDEOGRAPH.search(inside):
            converted |= {open_i, close_i}
        else:
            converted -= {open_i, close_i}
    for i in converted:
        us[i].source = us[i].shown = FULL_WIDTH[us[i].shown]
    _quotes(us, '"', '"')
    _quotes(us, "「", "」")
    drop: set[int] = set()
    for i in converted:
        if us[i].shown != "（":  # spaces after ，：；？！）
            j = i + 1
            while j < len(us) and us[j].editable and us[j].shown == " ":
                j += 1
            if j < len(us):
                drop |= set(range(i + 1, j))
        if us[i].shown != "）":  # spaces before （，：；？！
            j = i - 1
            while j >= 0 and us[j].editable and us[j].shown == " ":
                j -= 1
            if j >= 0:
                drop |= set(range(j + 1, i))
    return "".join(u.source for k, u in enumerate(us) if k not in drop)


def _pairs(us: list[Unit]) -> Iterator[tuple[int, int]]:
    stack: list[int] = []
    for i, u in enumerate(us):
        if u.editable and u.shown == "(":
            stack.append(i)
        elif u.editable and u.shown == ")" and stack:
            yield stack.pop(), i


def _quotes(us: list[Unit], left: str, right: str) -> None:
    """"…" and 「…」 around Chinese text → “…”."""
    opened: int | None = None
    for i, u in enumerate(us):
        if opened is None and u.shown == left:
            opened = i
        elif opened is not None and u.shown == right:
            if _IDEOGRAPH.search("".join(x.shown for x in us[opened + 1:i])):
                us[opened].source = us[opened].shown = "“"
                us[i].source = us[i].shown = "”"
            opened = None


def ascii_beside_chinese(text: str) -> list[str]:
    """Each ASCII `,:;()?!` or quote pair beside Chinese in shown text, with its context."""
    found = []
    for m in re.finditer(r"[,:;()?!]", text):
        i = m.start()
        if (i > 0 and is_cjk(text[i - 1])) or (i + 1 < len(text) and is_cjk(text[i + 1])):
            found.append(text[max(0, i - 8):i + 9])
    found += [m.group(0) for m in re.finditer(r'"[^"\n]*"|「[^」\n]*」', text)
              if _IDEOGRAPH.search(m.group(0))]
    return found


def escape(text: str) -> str:
    """Write full-width punctuation and curly quotes as `\\uXXXX` escapes."""
    return "".join(f"\\u{ord(c):04x}" if c in "，：；（）？！“”" else c for c in text)


_PREFIX = re.compile(r"^([rRbBuUfF]*)('''|\"\"\"|'|\")", re.S)


def fix_literal(token: str, *, escapes: bool = False) -> str:
    """The literal with its Chinese text's punctuation full-width; raw and byte strings as is."""
    m = _PREFIX.match(token)
    if not m:
        return token
    prefix, quote = m.groups()
    if set(prefix.lower()) & {"r", "b"}:
        return token
    body = token[len(prefix) + len(quote):len(token) - len(quote)]
    if _REGEX_HINTS.search(body) or _ENCODING.match(body):
        return token
    fixed = fix_text(fix_text(body))  # a second pass sees the brackets the first one changed
    if escapes and fixed != body:
        fixed = escape(fixed)
    return f"{prefix}{quote}{fixed}{quote}"


@dataclass(frozen=True)
class Change:
    line: int
    before: str
    after: str


KEEP = "keep-ascii"  # a comment on a literal's line: it names a column as the files spell it


def string_tokens(source: str) -> Iterator[tokenize.TokenInfo]:
    """String literals, except docstrings and those on a line marked `# keep-ascii`."""
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    kept = {tok.start[0] for tok in tokens if tok.type == tokenize.COMMENT and KEEP in tok.string}
    previous: int | None = None
    for tok in tokens:
        if tok.type == tokenize.STRING and previous not in (
                None, tokenize.INDENT, tokenize.NEWLINE, tokenize.DEDENT) \
                and tok.start[0] not in kept:
            yield tok
        if tok.type not in (tokenize.COMMENT, tokenize.NL):
            previous = tok.type


def fix_source(source: str, *, escapes: bool = False) -> tuple[str, list[Change]]:
    """The source with every string literal fixed, and the changes made."""
    lines = source.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    changes: list[Change] = []
    edits: list[tuple[int, int, str]] = []
    for tok in string_tokens(source):
        fixed = fix_literal(tok.string, escapes=escapes)
        if fixed != tok.string:
            start = offsets[tok.start[0] - 1] + tok.start[1]
            end = offsets[tok.end[0] - 1] + tok.end[1]
            edits.append((start, end, fixed))
            changes.append(Change(tok.start[0], tok.string, fixed))
    for start, end, fixed in reversed(edits):
        source = source[:start] + fixed + source[end:]
    return source, changes


def python_files(paths: list[str]) -> Iterator[Path]:
    for name in paths:
        path = Path(name)
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*.py") if ".venv" not in p.parts)
        elif path.suffix == ".py":
            yield path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", help="Python files or folders")
    parser.add_argument("--write", action="store_true", help="change the files (default: list)")
    parser.add_argument("--escape", action="store_true", help="write \\uff0c-style escapes")
    args = parser.parse_args(argv)
    total = 0
    for path in python_files(args.paths):
        source = path.read_text(encoding="utf-8")
        fixed, changes = fix_source(source, escapes=args.escape)
        for change in changes:
            print(f"{path}:{change.line}: {change.before}  →  {change.after}")
        total += len(changes)
        if args.write and changes:
            path.write_text(fixed, encoding="utf-8")
    verb = "changed" if args.write else "to change (dry run; --write to apply)"
    print(f"{total} literal(s) {verb}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
