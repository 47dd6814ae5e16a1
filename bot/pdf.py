"""Agreement PDFs: the stored agreement text, who confirmed it and when, and its SHA-256."""

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

from handlers import texts

FONT_FILE = Path(__file__).with_name("fonts") / "wqy-microhei-gbk.ttf"
FONT = "TiaojieCJK"


@cache
def _font() -> str:
    pdfmetrics.registerFont(TTFont(FONT, str(FONT_FILE)))
    return FONT


def _escape(line: str) -> str:
    return line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def agreement_pdf(
    text: str, sha256: str, confirmed_by: list[str], effective_at: datetime | None
) -> bytes:
    """The agreement as an A4 PDF with an embedded CJK font."""
    font = _font()
    body = ParagraphStyle("body", fontName=font, fontSize=11, leading=18, wordWrap="CJK")
    title = ParagraphStyle("title", parent=body, fontSize=18, leading=26, alignment=1)
    small = ParagraphStyle("small", parent=body, fontSize=8, leading=12)
    heading, *lines = text.splitlines()
    story = [Paragraph(_escape(heading), title), Spacer(1, 6 * mm)]
    story += [Paragraph(_escape(line), body) for line in lines]
    story.append(Spacer(1, 8 * mm))
    who = "、".join(texts.ROLE_NAMES.get(role, role) for role in confirmed_by) or "—"
    story.append(Paragraph(_escape(texts.PDF_CONFIRMED.format(who=who)), body))
    if effective_at is not None:
        stamp = effective_at.astimezone(texts.CHINA).strftime("%Y-%m-%d %H:%M")
        story.append(Paragraph(_escape(texts.PDF_EFFECTIVE.format(at=stamp)), body))
    story.append(Spacer(1, 6 * mm))
    story.append(Paragraph(_escape(texts.PDF_DIGEST.format(sha256=sha256)), small))
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
