"""Settings: read in one module, validated with one-line errors, secrets never shown, the
README's table in step; the CLI's handling of configuration mistakes (issue 10, part 2,
faults 1 and 6, and the TAORUI_SOURCE refusal)."""
import datetime as dt
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pymongo import MongoClient

from taorui_assets import cli, settings

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "taorui_assets"
SECRET = "s3cr3t-PW"


# ------------------------------------------------------------------ load()
def test_defaults_are_the_tables():
    s = settings.load({})
    assert (s.mongo_uri, s.mongo_db, s.source, s.days) == (None, "taorui", "sim", 5)
    assert s.close_run_times == (dt.time(15, 30), dt.time(18, 30)) and s.reference_run_time == dt.time(8, 45)
    assert s.source_priority == ("qmt", "jqdata") and s.reconcile_sample == 50 and s.as_of is None


def test_values_are_parsed():
    s = settings.load({"TAORUI_MONGO_URI": "mongodb://h:27017/?replicaSet=rs0", "TAORUI_SOURCE": "Router",
                       "TAORUI_SOURCE_PRIORITY": "jqdata, qmt", "TAORUI_AS_OF": "2026-11-20",
                       "TAORUI_CLOSE_RUN_TIMES": "18:30,16:05,16:05", "JQDATA_PORT": "7001",
                       "TAORUI_ALERT_WEBHOOK_URL": "https://oapi.dingtalk.com/robot/send?access_token=x"})
    assert s.source == "router" and s.source_priority == ("jqdata", "qmt") and s.as_of == dt.date(2026, 11, 20)
    assert s.close_run_times == (dt.time(16, 5), dt.time(18, 30)) and s.jqdata_port == 7001
    assert s.alert_kind == "dingtalk"


@pytest.mark.parametrize("env, named", [
    ({"TAORUI_SOURCE": "bogus"}, "TAORUI_SOURCE=bogus"),
    ({"TAORUI_MONGO_URI": "localhost:27017"}, "TAORUI_MONGO_URI=localhost:27017"),
    ({"TAORUI_MONGO_URI": "mongodb://h:99999/"}, "TAORUI_MONGO_URI=mongodb://h:99999/"),
    ({"TAORUI_MONGO_DB": "a/b"}, "TAORUI_MONGO_DB=a/b"),
    ({"TAORUI_DAYS": "0"}, "TAORUI_DAYS=0"),
    ({"TAORUI_SIM_STOCKS": "many"}, "TAORUI_SIM_STOCKS=many"),
    ({"TAORUI_PRIMARY_TIMEOUT_S": "-1"}, "TAORUI_PRIMARY_TIMEOUT_S=-1"),
    ({"TAORUI_SOURCE_PRIORITY": "qmt,bloomberg"}, "TAORUI_SOURCE_PRIORITY=qmt,bloomberg"),
    ({"TAORUI_QMT_MODE": "remote"}, "TAORUI_QMT_MODE=remote"),
    ({"TAORUI_QMT_PORT": "0"}, "TAORUI_QMT_PORT=0"),
    ({"TAORUI_QMT_VIP_SERVERS": "10.0.0.1"}, "TAORUI_QMT_VIP_SERVERS=10.0.0.1"),
    ({"JQDATA_PORT": "x"}, "JQDATA_PORT=x"),
    ({"TAORUI_CLOSE_RUN_TIMES": "14:30,18:30"}, "TAORUI_CLOSE_RUN_TIMES=14:30,18:30"),
    ({"TAORUI_REFERENCE_RUN_TIME": "09:30"}, "TAORUI_REFERENCE_RUN_TIME=09:30"),
    ({"TAORUI_FRESH_BY": "7pm"}, "TAORUI_FRESH_BY=7pm"),
    ({"TAORUI_REPORT_LOOKBACK_DAYS": "-1"}, "TAORUI_REPORT_LOOKBACK_DAYS=-1"),
    ({"TAORUI_RECONCILE_SAMPLE": "0"}, "TAORUI_RECONCILE_SAMPLE=0"),
    ({"TAORUI_ALERT_KIND": "slack"}, "TAORUI_ALERT_KIND=slack"),
    ({"TAORUI_AS_OF": "2026-13-01"}, "TAORUI_AS_OF=2026-13-01"),
    ({"TAORUI_AS_OF": "1990-01-02"}, "TAORUI_AS_OF=1990-01-02"),
    ({"TAORUI_EMBEDDED_CACHE": "lots"}, "TAORUI_EMBEDDED_CACHE=lots"),
    ({"TAORUI_SOURCE": "qmt"}, "QMT_TOKEN"),
    ({"TAORUI_SOURCE": "jqdata", "JQDATA_USERNAME": "alice"}, "JQDATA_PASSWORD"),
    ({"TAORUI_SOURCE": "jqdata", "JQDATA_PASSWORD": "pw"}, "JQDATA_USERNAME"),
])
def test_a_wrong_value_is_one_line_naming_the_variable(env, named):
    with pytest.raises(settings.ConfigError) as err:
        settings.load(env)
    msg = str(err.value)
    assert named in msg.split(" ")[0] and "\n" not in msg and "; " in msg, msg  # what is wrong; the fix


@pytest.mark.parametrize("uri", [f"mongodb://alice:{SECRET}@h:99999/", f"mongodb://alice:{SECRET}@@h/",
                                 f"mongodb//alice:{SECRET}@h/", f"mongodb://alice:{SECRET}/x@h:27017/?w=@"])
def test_mongo_credentials_never_appear(uri):
    try:
        s = settings.load({"TAORUI_MONGO_URI": uri, "TAORUI_SOURCE": "sim"})
    except settings.ConfigError as err:
        assert SECRET not in str(err) and "alice" not in str(err)
    else:
        assert SECRET not in repr(s) and SECRET not in settings.redact_uri(uri)


def test_secrets_are_not_in_repr_or_messages():
    s = settings.load({"TAORUI_SOURCE": "router", "QMT_TOKEN": SECRET, "JQDATA_PASSWORD": SECRET,
                       "TAORUI_ALERT_WEBHOOK_URL": f"https://open.feishu.cn/open-apis/bot/v2/hook/{SECRET}"})
    assert SECRET not in repr(s)
    with pytest.raises(settings.ConfigError) as err:
        settings.load({"TAORUI_ALERT_WEBHOOK_URL": f"https://example.com/hook?token={SECRET}"})
    assert SECRET not in str(err.value) and "TAORUI_ALERT_KIND" in str(err.value)


# ------------------------------------------------------------------ TAORUI_SOURCE refusal
def test_sim_is_the_default_only_of_the_embedded_demo():
    assert settings.load({}).require_source() == "sim"
    assert settings.load({}).with_embedded("mongodb://127.0.0.1:5/").require_source() == "sim"
    real = settings.load({"TAORUI_MONGO_URI": "mongodb://db.example:27017/"})
    with pytest.raises(settings.ConfigError, match="TAORUI_SOURCE is not set while TAORUI_MONGO_URI is"):
        real.require_source()


def test_definitions_refuse_a_real_database_without_a_source(monkeypatch):
    from taorui_assets.definitions import defs

    monkeypatch.setenv("TAORUI_MONGO_URI", "mongodb://127.0.0.1:1/?directConnection=true")
    monkeypatch.delenv("TAORUI_SOURCE", raising=False)
    with pytest.raises(settings.ConfigError, match="TAORUI_SOURCE"):
        defs()


def test_resources_follow_the_settings():
    from taorui_assets.defs import resources

    s = settings.load({"TAORUI_SOURCE": "jqdata", "JQDATA_USERNAME": "alice", "JQDATA_PASSWORD": SECRET,
                       "JQDATA_HOST": "10.1.2.3", "JQDATA_PORT": "7001", "TAORUI_MONGO_DB": "other"})
    built = resources.build(s.with_embedded("mongodb://127.0.0.1:5/?directConnection=true"))
    source = built["market_source"]
    assert (source.host, source.port, source.username) == ("10.1.2.3", 7001, "alice")
    assert SECRET not in repr(source)  # a dg.EnvVar: the UI shows the name, not the value
    assert built["mongo"].database == "other" and built["mongo"].uri.startswith("mongodb://127.0.0.1:5/")


# ------------------------------------------------------------------ where settings are read
def test_no_setting_is_read_at_import_time():
    """Imports every module of the package (the defs folder too) with an environment that records reads."""
    code = """
import os, pkgutil, importlib, sys
reads = []
class Recorder(dict):
    def get(self, k, d=None):
        reads.append(k); return super().get(k, d)
    def __getitem__(self, k):
        reads.append(k); return super().__getitem__(k)
    def __contains__(self, k):
        reads.append(k); return super().__contains__(k)
real = os.environ
os.environ = Recorder(real)
import taorui_assets
for m in pkgutil.walk_packages(taorui_assets.__path__, "taorui_assets."):
    importlib.import_module(m.name)
names = sorted({k for k in reads if k.startswith(("TAORUI_", "JQDATA_", "QMT_"))})
print("READS", names)
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert "READS" in out.stdout, out.stderr[-3000:]
    assert out.stdout.strip().splitlines()[-1] == "READS []"


def test_only_the_settings_module_reads_the_environment():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel == "settings.py":
            continue
        for i, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"os\.environ|getenv\(|environ\.get", line) and "child_environ" not in line:
                offenders.append(f"{rel}:{i}: {line.strip()}")
    assert not offenders, offenders


def test_readme_configuration_table_is_the_settings_table():
    readme = (ROOT / "README.md").read_text()
    start = readme.index("<!-- settings table")
    block = readme[readme.index("\n", start) + 1: readme.index("<!-- end of settings table -->")]
    assert block.strip() == settings.markdown_table().strip(), "regenerate: python -m taorui_assets.settings"


def test_every_variable_mentioned_in_the_package_is_a_setting():
    known = set(settings.NAMES)
    mentioned = set()
    for path in PACKAGE.rglob("*.py"):
        mentioned |= set(re.findall(r"\b(TAORUI_[A-Z_]+[A-Z]|JQDATA_(?:USERNAME|PASSWORD|HOST|PORT)|QMT_TOKEN)\b",
                                    path.read_text()))
    assert mentioned <= known, sorted(mentioned - known)


# ------------------------------------------------------------------ the CLI
@pytest.mark.parametrize("argv, days", [(["--days", "10"], 10), (["run", "--days", "2"], 2), ([], None)])
def test_days_without_a_command_means_run(argv, days):
    p = cli.parser()
    args = p.parse_args(cli.with_default_command(p, argv))
    assert args.cmd == "run" and args.days == days


def cli_run(env: dict, *argv: str, timeout: float = 120) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TAORUI_", "JQDATA_", "QMT_"))}
    return subprocess.run([sys.executable, "-m", "taorui_assets.cli", *argv], cwd=ROOT, env={**clean, **env},
                          capture_output=True, text=True, timeout=timeout)


UNREACHABLE = f"mongodb://alice:{SECRET}@127.0.0.1:1/?directConnection=true"


@pytest.mark.parametrize("env, argv, named", [
    ({"TAORUI_SOURCE": "bogus"}, [], "TAORUI_SOURCE=bogus"),
    ({"TAORUI_MONGO_URI": f"alice:{SECRET}@localhost:27017", "TAORUI_SOURCE": "sim"}, [], "TAORUI_MONGO_URI="),
    ({"TAORUI_MONGO_URI": f"mongodb://alice:{SECRET}@h:99999/", "TAORUI_SOURCE": "sim"}, [], "TAORUI_MONGO_URI="),
    ({"TAORUI_MONGO_URI": UNREACHABLE, "TAORUI_SOURCE": "sim"}, [], "TAORUI_MONGO_URI=mongodb://***@127.0.0.1:1/"),
    ({"TAORUI_MONGO_URI": UNREACHABLE}, [], "TAORUI_SOURCE is not set"),
    ({}, ["--days", "0"], "--days"),
    ({}, ["--days", "-3"], "--days"),
    ({"TAORUI_DAYS": "0"}, [], "TAORUI_DAYS=0"),
    ({"TAORUI_CLOSE_RUN_TIMES": "25:00"}, [], "TAORUI_CLOSE_RUN_TIMES=25:00"),
])
def test_a_configuration_mistake_is_at_most_three_lines(env, argv, named):
    t0 = time.monotonic()
    out = cli_run(env, *argv)
    text = out.stdout + out.stderr
    assert out.returncode != 0, text
    assert len(text.strip().splitlines()) <= 3, text
    assert named in text and "Traceback" not in text and SECRET not in text, text
    assert time.monotonic() - t0 < 30  # an unreachable server fails once, quickly


def test_debug_shows_the_traceback():
    out = cli_run({"TAORUI_SOURCE": "bogus", "TAORUI_DEBUG": "1"})
    assert out.returncode != 0 and "Traceback" in out.stderr and "TAORUI_SOURCE=bogus" in out.stderr


def test_summary_counts_the_configured_database(mongo_uri, mongo_db_name, capsys):
    with MongoClient(mongo_uri) as client:
        client[mongo_db_name]["daily_bars"].insert_many([{"n": i} for i in range(3)])
    cli.summary(settings.load({"TAORUI_MONGO_URI": mongo_uri, "TAORUI_MONGO_DB": mongo_db_name,
                               "TAORUI_SOURCE": "sim"}))
    out = capsys.readouterr().out
    assert re.search(r"daily_bars\s+3\b", out), out
    assert mongo_db_name in out


def test_a_bad_setting_stops_the_code_location_load_with_its_name():
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAORUI_")}
    out = subprocess.run([sys.executable, "-m", "dagster", "definitions", "validate", "-w", "workspace.yaml"],
                         cwd=ROOT, env={**env, "TAORUI_SOURCE": "bogus"}, capture_output=True, text=True, timeout=300)
    text = out.stdout + out.stderr
    assert out.returncode != 0
    assert "ConfigError: TAORUI_SOURCE=bogus is not one of sim, qmt, jqdata, router" in text, text[-3000:]


def test_the_ui_child_sees_the_embedded_settings():
    s = settings.load({}).with_embedded("mongodb://127.0.0.1:5/?directConnection=true")
    env = settings.Settings.child_environ(s, {"PATH": "/bin"})
    assert env == {"PATH": "/bin", "TAORUI_MONGO_URI": "mongodb://127.0.0.1:5/?directConnection=true",
                   "TAORUI_SOURCE": "sim"}
    assert settings.load(env).require_source() == "sim"


def test_a_command_pins_its_settings_without_writing_the_environment(monkeypatch):
    monkeypatch.delenv("TAORUI_MONGO_URI", raising=False)
    embedded = settings.load().with_embedded("mongodb://127.0.0.1:5/?directConnection=true")
    before = dict(os.environ)
    with settings.pinned(embedded):
        from taorui_assets.defs import resources

        assert settings.load() is embedded
        assert resources.build(settings.load())["mongo"].uri == embedded.mongo_uri
    assert settings.load().mongo_uri is None and dict(os.environ) == before
