"""The organization directory: import (CSV/XLSX, all-or-nothing with per-row errors), export,
and the generated development directory."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from nlp.extract import mask_personal
from routing.directory import TYPES, divisions
from routing.generate import OrgSpec, generate
from storage import queries
from storage.crypto import TextCipher
from storage.models import Mediator, Organization

# The import template (docs/orgs_template.csv); `mediators` is "name|phone|speciality,…;…".
COLUMNS = ("key", *(f for f in queries.ORG_FIELDS if f != "generated"), "mediators")
REQUIRED = ("key", "name", "type", "admin_codes")
FILING = ("filed", "unfiled", "unknown")
BATCH = 2000
MASKED = "*"  # what mask_personal puts in place of hidden digits
Progress = Callable[[int], None]


@dataclass
class ImportReport:
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    mediators: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def read_rows(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV (UTF-8, with or without BOM) or XLSX file, as text."""
    if path.suffix.lower() == ".xlsx":
        return _xlsx_rows(path)
    if path.suffix.lower() != ".csv":
        raise ValueError(f"unsupported file type {path.suffix!r}: use .csv or .xlsx")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [
            {k.strip(): (v or "").strip() for k, v in row.items() if k}
            for row in csv.DictReader(handle)
        ]


def _xlsx_rows(path: Path) -> list[dict[str, str]]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:  # a read-only workbook keeps its file open until it is closed
        sheet = book.active
        assert sheet is not None
        lines = sheet.iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(lines, ())]
        return [
            {
                h: "" if v is None else str(v).strip()
                for h, v in zip(header, line, strict=False)
                if h
            }
            for line in lines
            if any(v is not None for v in line)
        ]
    finally:
        book.close()


def validate(raw: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    """One import row → (organization fields, problems in Chinese)."""
    problems = [f"缺少“{c}”" for c in REQUIRED if not raw.get(c)]
    row: dict[str, Any] = {"key": raw.get("key", ""), "name": raw.get("name", "")}
    org_type = raw.get("type", "")
    if org_type and org_type not in TYPES:
        problems.append(f"类型“{org_type}”无效，可选：{'、'.join(TYPES)}")
    row["type"] = org_type
    codes = [
        c.strip() for c in raw.get("admin_codes", "").replace("；", ";").split(";") if c.strip()
    ]
    unknown = [c for c in codes if c not in divisions()]
    if unknown:
        problems.append(f"行政区划代码不存在：{'、'.join(unknown)}")
    row["admin_codes"] = codes
    row["region_code"] = raw.get("region_code") or (codes[0] if codes else "")
    row["filing_status"] = raw.get("filing_status") or "unknown"
    if row["filing_status"] not in FILING:
        problems.append(f"备案状态“{row['filing_status']}”无效，可选：filed、unfiled、unknown")
    row.update(_numbers(raw, problems))
    row["active"] = raw.get("active", "1").lower() not in ("0", "false", "no", "否")
    row.update(
        address=raw.get("address", ""),
        hours=raw.get("hours", ""),
        employer_name=raw.get("employer_name") or None,
        generated=False,
    )
    row["mediators"] = _mediators(raw.get("mediators", ""), problems)
    return row, problems


def _numbers(raw: dict[str, str], problems: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"lat": None, "lng": None, "capacity": 50}
    for name, low, high in (("lat", -90.0, 90.0), ("lng", -180.0, 180.0)):
        if raw.get(name):
            try:
                value = float(raw[name])
            except ValueError:
                value = None
            if value is None or not low <= value <= high:
                problems.append(f"“{name}”不是有效坐标")
            out[name] = value
    if raw.get("capacity"):
        if not raw["capacity"].isdigit() or int(raw["capacity"]) <= 0:
            problems.append("“capacity”应为正整数")
        else:
            out["capacity"] = int(raw["capacity"])
    return out


def _mediators(text: str, problems: list[str]) -> list[dict[str, Any]]:
    people = []
    for entry in filter(None, (e.strip() for e in text.replace("；", ";").split(";"))):
        name, _, rest = entry.partition("|")
        contact, _, specialities = rest.partition("|")
        if not name.strip():
            problems.append(f"调解员“{entry}”缺少姓名")
            continue
        people.append(
            {
                "name": name.strip(),
                "contact": contact.strip() or None,
                "specialities": [s.strip() for s in specialities.split(",") if s.strip()],
            }
        )
    return people


def import_rows(
    session: Session,
    cipher: TextCipher,
    raws: Sequence[dict[str, str]],
    now: datetime,
    progress: Progress | None = None,
) -> ImportReport:
    """Validate every row first; write nothing unless all rows are valid (upsert by key)."""
    report, rows, seen = ImportReport(rows=len(raws)), [], set()
    for number, raw in enumerate(raws, start=2):  # row 1 is the header
        row, problems = validate(raw)
        if row["key"] in seen:
            problems.append(f"key“{row['key']}”重复")
        seen.add(row["key"])
        report.errors.extend((number, p) for p in problems)
        rows.append(row)
    if not report.ok:
        return report
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        inserted, updated = queries.upsert_orgs(session, batch, now)
        report.inserted += inserted
        report.updated += updated
        report.mediators += _upsert_mediators(session, cipher, batch, now)
        if progress:
            progress(len(batch))
    return report


def _upsert_mediators(
    session: Session, cipher: TextCipher, rows: Iterable[dict[str, Any]], now: datetime
) -> int:
    count = 0
    ids = dict(
        session.execute(
            select(Organization.key, Organization.id).where(
                Organization.key.in_([r["key"] for r in rows])
            )
        ).all()
    )
    for row in rows:
        for person in row["mediators"]:
            existing = session.scalar(
                select(Mediator).where(
                    Mediator.org_id == ids[row["key"]], Mediator.name == person["name"]
                )
            )
            mediator = existing or Mediator(
                org_id=ids[row["key"]], name=person["name"], created_at=now, active=True
            )
            contact = person["contact"]
            if not (existing and contact and MASKED in contact):  # masked: keep the one on record
                mediator.contact_enc = cipher.encrypt(contact) if contact else None
            mediator.specialities = person["specialities"]
            session.add(mediator)
            count += 1
    return count


def spec_rows(specs: Iterable[OrgSpec]) -> Iterator[dict[str, Any]]:
    for spec in specs:
        yield {
            "key": spec.key,
            "name": spec.name,
            "type": spec.type,
            "region_code": spec.region_code,
            "admin_codes": list(spec.admin_codes),
            "lat": spec.lat,
            "lng": spec.lng,
            "capacity": spec.capacity,
            "address": spec.address,
            "hours": spec.hours,
            "filing_status": spec.filing_status,
            "employer_name": spec.employer_name,
            "active": True,
            "generated": True,
        }


def generate_directory(
    session: Session, region: str, now: datetime, progress: Progress | None = None
) -> tuple[int, int]:
    """Upsert the generated directory of a region ("all" for China)."""
    inserted = updated = 0
    batch: list[dict[str, Any]] = []
    for row in spec_rows(generate(region)):
        batch.append(row)
        if len(batch) == BATCH:
            i, u = queries.upsert_orgs(session, batch, now)
            inserted, updated = inserted + i, updated + u
            if progress:
                progress(len(batch))
            batch = []
    if batch:
        i, u = queries.upsert_orgs(session, batch, now)
        inserted, updated = inserted + i, updated + u
        if progress:
            progress(len(batch))
    return inserted, updated


def export_csv(session: Session, cipher: TextCipher, *, contacts: bool = False) -> str:
    """The directory in the import template's format. Mediators' phones are masked unless
    ``contacts`` (an administrator's explicit choice); a masked one imported again keeps the
    phone on record."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    roster: dict[str, list[str]] = {}
    for m in session.scalars(select(Mediator).order_by(Mediator.name)):
        contact = cipher.decrypt(m.contact_enc) if m.contact_enc else ""
        contact = contact if contacts else mask_personal(contact)
        roster.setdefault(m.org_id, []).append(f"{m.name}|{contact}|{','.join(m.specialities)}")
    for org in queries.all_orgs(session):
        writer.writerow(
            {
                "key": org.key,
                "name": org.name,
                "type": org.type,
                "filing_status": org.filing_status,
                "admin_codes": ";".join(org.admin_codes),
                "region_code": org.region_code,
                "address": org.address,
                "lat": "" if org.lat is None else org.lat,
                "lng": "" if org.lng is None else org.lng,
                "capacity": org.capacity,
                "active": int(org.active),
                "hours": org.hours,
                "employer_name": org.employer_name or "",
                "mediators": ";".join(roster.get(org.id, [])),
            }
        )
    return out.getvalue()
