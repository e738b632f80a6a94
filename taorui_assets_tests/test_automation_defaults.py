"""The README says which schedules and sensors start running; the definitions agree (issue 10
part 8: it said "all start stopped" while ``run_failure_alert`` started running)."""
import re
from pathlib import Path

import dagster as dg

from taorui_assets.definitions import defs

README = Path(__file__).resolve().parent.parent / "README.md"


def running_per_readme() -> set[str]:
    text = README.read_text()
    start = text.index("Schedules and sensors start stopped")
    sentence = text[start:text.index(":", text.index("except", start))] if "except" in text[start:start + 200] else ""
    return set(re.findall(r"`(\w+)`", sentence))


def test_default_status_is_what_the_readme_says():
    repo = defs().get_repository_def()
    running = {s.name for s in repo.schedule_defs if s.default_status == dg.DefaultScheduleStatus.RUNNING}
    running |= {s.name for s in repo.sensor_defs if s.default_status == dg.DefaultSensorStatus.RUNNING}
    assert running == running_per_readme() == {"run_failure_alert"}
