"""Cloze candidates of kind `table`: one note per comparison-table row, short cells deleted."""
from __future__ import annotations

import re

from bs4 import Tag

from .cloze_html import context_lead, prev_block_text
from .cloze_text import (MAX_DELETION_WORDS, Builder, Cand, canon, content_words, is_vague_phrase, norm_ws,
                         src_line, words)


def _cell_text(c: Tag) -> str:
    return norm_ws(c.get_text())


def table_cands(q: dict, root: Tag, doc: str, primary: bool) -> list[Cand]:
    out: list[Cand] = []
    for ti, table in enumerate(root.find_all("table")):
        rows = [[_cell_text(c) for c in tr.find_all(["th", "td"], recursive=False)] for tr in table.find_all("tr")]
        rows = [r for r in rows if r]
        if len(rows) < 2:
            continue
        header, body = rows[0], rows[1:]
        width = len(header)
        if width < 2 or any(len(r) != width for r in body):
            continue
        if any(not r[0] or len(words(r[0])) > 6 for r in body):
            continue  # the first column must be short row headers
        if width == 2 and not header[0]:
            continue
        lead, _ = context_lead(prev_block_text(table), q.get("question") or "")
        if len(content_words(lead)) < 4:
            lead = q.get("question") or ""
        for ri, row in enumerate(body):
            rh = re.sub(r"^\d+[.)]\s*", "", row[0]).strip()
            if not rh:
                continue
            b = Builder().tag("<p>").text(lead).tag("</p><table><thead><tr>")
            for h in header:
                b.tag("<th>").text(h).tag("</th>")
            b.tag("</tr></thead><tbody><tr><th>").text(rh).tag("</th>")
            deleted = []
            for cell in row[1:]:
                cell = cell.rstrip(".").strip()
                b.tag("<td>")
                if (cell and 1 <= len(words(cell)) <= MAX_DELETION_WORDS and re.search(r"[A-Za-z]{2}", cell)
                        and cell.lower() not in ("yes", "no", "none", "n/a") and not is_vague_phrase(cell)):
                    deleted.append(cell)
                    b.delete(cell)
                else:
                    b.text(cell)
                b.tag("</td>")
            b.tag("</tr></tbody></table>")
            if not deleted:
                continue
            out.append(Cand("table", f"{rh} {' '.join(deleted)}", b, src_line(q, doc),
                            8.0 - 0.3 * ri - ti - (3 if not primary else 0),
                            terms=tuple(canon(d) for d in deleted)))
    return out
