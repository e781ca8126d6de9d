"""Folding away what a reply repeats: the quoted earlier messages and the signature.

Agents read the new text; the whole body stays stored beside it. The markers are the ones
mail programs write in English, Spanish and Portuguese (the desk's languages) and a few
more: "On … wrote:", "El … escribió:", "Em … escreveu:", Outlook's "-----Original
Message-----" and its "From:/Sent:" block, a trailing block of ``>`` lines, the RFC 3676
signature separator ``-- `` and "Sent from my …" lines. When folding would leave nothing,
the whole text is kept.
"""

from __future__ import annotations

import re

__all__ = ["fold_quotes"]

_ATTRIBUTION = re.compile(
    r"^\s*(On\s.+\swrote|El\s.+\sescribi[óo]|Em\s.+\sescreveu|Le\s.+\sa\s+écrit"
    r"|Am\s.+\sschrieb|Il\s.+\sha\s+scritto|Op\s.+\sschreef)(\s[^:]{0,100})?\s*:\s*$",
    re.IGNORECASE,
)
#: a line that begins an attribution which the mail program wrapped onto a second line
_ATTRIBUTION_START = re.compile(r"^\s*(On|El|Em|Le|Am|Il|Op)\s.+\d", re.IGNORECASE)
_ATTRIBUTION_END = re.compile(
    r"(wrote|escribi[óo]|escreveu|a\s+écrit|schrieb|ha\s+scritto|schreef)\s*:\s*$",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(
    r"^\s*(-{2,}\s*(Original Message|Mensaje original|Mensagem original|Message d'origine"
    r"|Ursprüngliche Nachricht|Forwarded message|Mensaje reenviado|Mensagem encaminhada)"
    r"\s*-{2,}|_{20,})\s*$",
    re.IGNORECASE,
)
_HEADER_BLOCK = re.compile(r"^\s*\*?(From|De|Von)\s*:\*?\s", re.IGNORECASE)
_HEADER_NEXT = re.compile(
    r"^\s*\*?(Sent|Date|Enviado|Fecha|Data|Gesendet|To|Para|Subject|Asunto|Assunto)\s*:",
    re.IGNORECASE,
)
_SIGNATURE = re.compile(
    r"^(-- ?|Sent from my .+|Enviado desde mi .+|Enviado do meu .+|Get Outlook for .+"
    r"|Obtener Outlook para .+|Baixe o Outlook para .+)$",
    re.IGNORECASE,
)


def _cut(lines: list[str]) -> int:
    """The index of the first line that belongs to the quoted or signed tail."""
    for i, line in enumerate(lines):
        if _ATTRIBUTION.match(line) or _SEPARATOR.match(line):
            return i
        if (
            _ATTRIBUTION_START.match(line)
            and i + 1 < len(lines)
            and _ATTRIBUTION_END.search(lines[i + 1])
        ):
            return i
        if _HEADER_BLOCK.match(line) and any(_HEADER_NEXT.match(n) for n in lines[i + 1 : i + 4]):
            return i
        if _SIGNATURE.match(line.rstrip()):
            return i
    # a trailing block of quoted lines (blank lines allowed inside it)
    end = len(lines)
    while end > 0 and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith(">")):
        end -= 1
    if end < len(lines) and any(line.lstrip().startswith(">") for line in lines[end:]):
        return end
    return len(lines)


def fold_quotes(text: str) -> str:
    """The new part of ``text`` (see the module docstring); ``text`` itself when nothing new
    is left."""
    lines = text.split("\n")
    new = "\n".join(lines[: _cut(lines)]).strip()
    if not new:  # the answer is below the quote: keep what is neither quote nor attribution
        kept = [
            line for line in lines
            if not line.lstrip().startswith(">") and not _ATTRIBUTION.match(line)
        ]  # fmt: skip
        rest = "\n".join(kept)
        new = "\n".join(rest.split("\n")[: _cut(rest.split("\n"))]).strip()
    return new or text.strip()
