"""``chitra import_beneficiaries`` and ``chitra import_template``."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from chitra.access.models import Role, User
from chitra.registry.models import Beneficiary
from tests import factories as f
from tests.registry.fixtures.import_files import person, write_csv

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def admin() -> User:
    return User.objects.create_superuser("root", "r@x.vn", "mật-khẩu-dài-1")


def cli(*args: str) -> str:
    out = io.StringIO()
    call_command("import_beneficiaries", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_import_as_officer_prints_counts(tmp_path):
    officer = f.user(Role.BHXH_OFFICER)
    out = cli(str(write_csv(tmp_path / "a.csv", [person()])), "--as", officer.username)
    assert "created: 1" in out
    assert Beneficiary.objects.get().province_code == officer.organization.province_code


def test_default_actor_is_the_first_superuser(tmp_path, admin):
    out = cli(str(write_csv(tmp_path / "a.csv", [person()])), "--dry-run")
    assert "Dry run" in out
    assert Beneficiary.objects.count() == 0


def test_no_superuser_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="--as"):
        cli(str(write_csv(tmp_path / "a.csv", [person()])))


def test_invalid_rows_exit_non_zero_and_print_the_report(tmp_path, admin):
    path = write_csv(tmp_path / "a.csv", [person(sex="X")])
    out = io.StringIO()
    with pytest.raises(CommandError) as e:
        call_command("import_beneficiaries", str(path), "--report", str(tmp_path / "r.xlsx"),
                     stdout=out)
    assert e.value.returncode == 1
    assert str(tmp_path / "r.xlsx") in out.getvalue()
    assert "sex" in out.getvalue()
    assert Beneficiary.objects.count() == 0


def test_refused_file_exits_non_zero(admin):
    with pytest.raises(CommandError, match="TCVN3") as e:
        cli(str(FIXTURES / "import_tcvn3.csv"))
    assert e.value.returncode == 2


def test_a_ward_user_may_not_import(tmp_path):
    ward = f.user(Role.WARD_TEAM)
    with pytest.raises(CommandError) as e:
        cli(str(write_csv(tmp_path / "a.csv", [person()])), "--as", ward.username)
    assert e.value.returncode == 2


def test_accept_valid_applies_the_rest(tmp_path, admin):
    rows = [person(), person("Lò Thị Ín", sex="X")]
    out = cli(str(write_csv(tmp_path / "a.csv", rows)), "--accept-valid")
    assert "created: 1" in out
    assert "invalid: 1" in out


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_template_imports_cleanly(tmp_path, admin, fmt):
    path = tmp_path / f"mau.{fmt}"
    call_command("import_template", "--format", fmt, "--out", str(path), stdout=io.StringIO())
    if fmt == "xlsx":
        header = next(openpyxl.load_workbook(path).worksheets[0].iter_rows(values_only=True))
        assert header[0] == "Số định danh cá nhân"
    else:
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert "created: 1" in cli(str(path))
