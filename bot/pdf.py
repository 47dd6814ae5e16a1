"""Agreement PDFs: the stored agreement text, who confirmed it, whether it is in effect (and
since when) or which signatures it still lacks, and its SHA-256."""

from __future__ import annotations

import io
from datetime import datetime
from functools import cache
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from handlers import settlement, texts
from storage.models import Agreement

FONT_FILE = Path(__file__).with_name("fonts") / "wqy-microhei-gbk.ttf"
FONT = "TiaojieCJK"


@cache
def _font() -> str:
    pdfmetrics.registerFont(TTFont(FONT, str(FONT_FILE)))
    return FONT


def _escape(line: str) -> str:
    return line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def agreement_pdf(row: Agreement) -> bytes:
    """The agreement as an A4 PDF with an embedded CJK font; a draft says it is not in effect."""
    font = _font()
    body = ParagraphStyle("body", fontName=font, fontSize=11, leading=18, wordWrap="CJK")
    title = ParagraphStyle("title", parent=body, fontSize=18, leading=26, alignment=1)
    small = ParagraphStyle("small", parent=body, fontSize=8, leading=12)
    heading, *lines = row.text.splitlines()
    story = [Paragraph(_escape(heading), title), Spacer(1, 6 * mm)]
    story += [Paragraph(_escape(line), body) for line in lines]
    story.append(Spacer(1, 8 * mm))
    who = "、".join(texts.ROLE_NAMES.get(role, role) for role in row.confirmed_by) or "—"
    story.append(Paragraph(_escape(texts.PDF_CONFIRMED.format(who=who)), body))
    story.append(Paragraph(_escape(_status_line(row)), body))
    story.append(Spacer(1, 6 * mm))
    story.append(Paragraph(_escape(texts.PDF_DIGEST.format(sha256=row.sha256)), small))
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=heading,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
    )
    doc.build(story)
    return buffer.getvalue()


def _status_line(row: Agreement) -> str:
    """已生效 with its time, or 未生效 with the signatures still missing (LDMAL-14, ECNMR-11)."""
    if row.effective_at is not None:
        stamp = _beijing(row.effective_at).strftime("%Y-%m-%d %H:%M")
        return texts.PDF_EFFECTIVE.format(at=stamp)
    state = {"kind": row.kind, "confirmed_by": list(row.confirmed_by)}
    return texts.PDF_NOT_EFFECTIVE.format(missing=settlement.missing_words(state))


def _beijing(moment: datetime) -> datetime:
    return moment.astimezone(texts.CHINA)
