"""How wide each column of a table is, in the docx and the pdf alike."""

from __future__ import annotations

from collections.abc import Callable

from chitra.reporting.documents.model import Table, cell_text


def column_widths(table: Table, total: float,
                  measure: Callable[[str, bool], float]) -> list[float]:
    """Widths summing to ``total``. Each column wants its longest cell (and its header's
    longest word); if they do not fit, the text columns give way first, as numbers do not
    wrap well. ``measure(text, bold)`` is the width a cell needs for ``text``, padding
    included."""
    need = []
    for i, header in enumerate(table.headers):
        words = [measure(w, True) for w in header.split()] or [0.0]
        need.append(max([max(words), *(measure(cell_text(row[i]), False)
                                       for row in table.rows)]))
    wanted = sum(need) or 1.0
    fixed = sum(w for w, num in zip(need, table.numeric, strict=True) if num)
    flexible = wanted - fixed
    if wanted <= total or fixed >= total or flexible == 0:
        return [w * total / wanted for w in need]
    share = (total - fixed) / flexible
    return [w if num else w * share for w, num in zip(need, table.numeric, strict=True)]
