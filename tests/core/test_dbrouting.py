"""Reports and dashboards read from ``DATABASE_REPLICA_URL`` when it is set; every write and
migration stays on the primary (issue 15, item 5). The reads themselves, on a second alias:
``test_dbrouting_replica``."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from django.db import DEFAULT_DB_ALIAS

from chitra.core.dbrouting import REPLICA, PrimaryReplicaRouter, reporting_db
from chitra.registry.models import Beneficiary


def test_without_a_replica_reports_read_the_primary():
    assert reporting_db() == DEFAULT_DB_ALIAS


def test_the_router_keeps_writes_and_migrations_on_the_primary():
    router = PrimaryReplicaRouter()
    assert router.db_for_write(Beneficiary) == DEFAULT_DB_ALIAS
    assert router.db_for_read(Beneficiary) is None  # where the query says
    assert router.allow_migrate(REPLICA, "registry") is False
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "registry") is None


def test_database_replica_url_makes_the_replica_alias(tmp_path):
    """The README's setting: the alias exists, is a test mirror of the primary, and the
    router is installed."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "chitra.settings",
           "CHITRA_VAR_DIR": str(tmp_path),
           "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
           "DATABASE_REPLICA_URL": "postgresql://reader@replica.example:5433/chitra"}
    script = ("import json, django; django.setup(); from django.conf import settings; "
              "r = settings.DATABASES['replica']; print(json.dumps([r['HOST'], r['PORT'], "
              "r['NAME'], r['TEST']['MIRROR'], settings.DATABASE_ROUTERS]))")
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                         text=True, check=True, timeout=120)
    assert json.loads(out.stdout) == [
        "replica.example", 5433, "chitra", "default",
        ["chitra.core.dbrouting.PrimaryReplicaRouter"]]
