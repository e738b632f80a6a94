# Sourced by scripts/run and scripts/test: a project venv in .venv with the project
# installed. Reinstalls only when pyproject.toml changes.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-python3}"
EXTRAS="${1:-embedded,qmt,jqdata}"
VENV="$ROOT/.venv"
if [ ! -x "$VENV/bin/python" ]; then
  echo "[setup] creating $VENV"
  "$PY" -m venv "$VENV"
fi
STAMP="$VENV/.taorui-installed-$EXTRAS"
HASH="$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$HASH" ]; then
  echo "[setup] installing taorui_assets[$EXTRAS] (first run takes a few minutes)"
  LOG="$VENV/pip-install.log"
  if ! { "$VENV/bin/python" -m pip install --upgrade pip && "$VENV/bin/python" -m pip install -e ".[$EXTRAS]"; } >"$LOG" 2>&1; then
    grep -v "^WARNING: Location" "$LOG" | tail -40
    echo "[setup] installation failed; full log in $LOG" >&2
    exit 1
  fi
  "$VENV/bin/python" -c "import taorui_assets, dagster, pandera, pymongo"
  echo "$HASH" > "$STAMP"
fi
export PATH="$VENV/bin:$PATH"
