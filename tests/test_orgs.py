"""The organization directory from the command line: import, export, generate, route."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import func, select

from bot.cli import main
from bot.config import Settings
from bot.runtime import Runtime
from storage.models import Mediator, Organization

TEMPLATE = Path(__file__).resolve().parent.parent / "docs" / "orgs_template.csv"


def run(settings: Settings, *args: str) -> tuple[int, str, str]:
    env = {
        "DATABASE_URL": settings.database_url,
        "TIAOJIE_DATA_DIR": str(settings.data_dir),
        "TIAOJIE_SECRET_KEY": settings.secret_key,
        "TIAOJIE_ENV": "test",
    }
    result = CliRunner().invoke(main, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def count(runtime: Runtime, model: type) -> int:
    with runtime.store.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_the_documented_template_imports(settings: Settings, runtime: Runtime) -> None:
    code, out, _ = run(settings, "orgs", "import", str(TEMPLATE))
    assert code == 0, out
    assert "3 rows: 3 added, 0 updated, 3 mediators" in out
    again = run(settings, "orgs", "import", str(TEMPLATE))
    assert "0 added, 3 updated" in again[1]  # upserted by key, not duplicated
    assert count(runtime, Organization) == 3 and count(runtime, Mediator) == 3


def test_three_bad_rows_are_all_reported_and_nothing_is_imported(
    settings: Settings, runtime: Runtime, tmp_path: Path
) -> None:
    rows = list(csv.DictReader(TEMPLATE.read_text(encoding="utf-8").splitlines()))
    rows[0]["type"] = "police"
    rows[1]["admin_codes"] = "999999"
    rows[2]["name"] = ""
    bad = tmp_path / "bad.csv"
    with bad.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    code, _, err = run(settings, "orgs", "import", str(bad))
    assert code != 0
    assert "第2行：类型“police”无效" in err
    assert "第3行：行政区划代码不存在：999999" in err
    assert "第4行：缺少“name”" in err
    assert "3 of 3 rows are invalid; nothing imported" in err
    assert count(runtime, Organization) == 0


def test_an_xlsx_file_imports_like_a_csv(
    settings: Settings, runtime: Runtime, tmp_path: Path
) -> None:
    from openpyxl import Workbook

    rows = list(csv.reader(TEMPLATE.read_text(encoding="utf-8").splitlines()))
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    path = tmp_path / "orgs.xlsx"
    book.save(path)
    code, out, _ = run(settings, "orgs", "import", str(path))
    assert code == 0 and "3 added" in out, out


def test_export_round_trips_through_import(settings: Settings, runtime: Runtime) -> None:
    run(settings, "orgs", "import", str(TEMPLATE))
    code, out, _ = run(settings, "orgs", "export", "--with-contacts")
    assert code == 0
    exported = {r["key"]: r for r in csv.DictReader(out.splitlines())}
    assert exported["qz-wanan-centre"]["mediators"].startswith("张调解员|13800000000|工资,工伤")
    assert exported["qz-luojiang-arb"]["admin_codes"] == "350504"


def test_generate_and_route_from_the_command_line(settings: Settings, runtime: Runtime) -> None:
    code, out, _ = run(settings, "orgs", "generate", "--region", "350500")
    assert code == 0 and "generated organizations" in out
    with runtime.store.transaction() as session:
        assert session.scalar(select(func.count()).where(Organization.generated.is_(True))) > 100
    code, out, _ = run(
        settings, "route", "--json", "--text", "我在洛江区万安街道的鞋厂上班，老板欠我工资"
    )
    assert code == 0, out
    data = json.loads(out)
    assert data["org"]["name"] == "泉州市洛江区万安街道劳动人事争议调解中心"
    assert data["reasons"][0]["rule"] == "LDMAL-10" and len(data["alternatives"]) == 2
    code, out, _ = run(
        settings, "route", "--json", "--text", "老板欠我工资", "--lat", "24.94", "--lng", "118.67"
    )
    assert json.loads(out)["org"]["type"] == "township"  # the nearest street centre


def test_unknown_region_is_refused(settings: Settings) -> None:
    code, _, err = run(settings, "orgs", "generate", "--region", "123")
    assert code != 0 and "unknown admin code" in err
