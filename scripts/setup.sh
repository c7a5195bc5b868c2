#!/usr/bin/env bash
# One idempotent setup for the demo and the tests: Python venv with pinned packages, the browser
# runtime (PyScript, Pyodide, wasm wheels: hash-checked, see runtime.lock.json), Debian's Chromium and WebKit.
# A second run with everything present touches no network and takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
now() { date +%s%N; }
step() { local ms=$(( ($(now) - $2) / 1000000 )); printf '[setup] %-30s %4d.%03ds\n' "$1" $((ms / 1000)) $((ms % 1000)); }
t0=$(now)

apt_install() {
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  else
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  fi
}

# Debian ships venv's pip bootstrap (python3-venv) and npm (`python -m server vendor` runs `npm pack`) as
# packages of their own: a fresh machine may lack them.
s=$(now)
missing=()
python3 -c 'import ensurepip' 2>/dev/null || missing+=(python3-venv)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  apt_install "${missing[@]}"
fi
step "python3-venv, npm (Debian)" "$s"

s=$(now)
stamp=.venv/.installed-$(cat pyproject.toml requirements.lock | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
  python3 -m venv .venv
  # Every package, dependencies of dependencies included, at the version and with the hashes of
  # requirements.lock (pip-compile's output from pyproject.toml, see the README): pip refuses any other file.
  # pip's machine-wide config names optional local indexes; their 'is ignored' warnings are noise.
  .venv/bin/pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements.lock \
    2> >(grep -v 'is ignored' >&2)
  # The pane's package runs from the checkout: addin/ on the venv's path, as an editable install puts it.
  echo "$PWD/addin" > "$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/mail_connector.pth"
  rm -f .venv/.installed-* && touch "$stamp"
fi
step "python packages" "$s"

s=$(now)
.venv/bin/python -m server vendor
step "browser runtime (npm, PyPI)" "$s"

s=$(now)
if ! command -v chromium >/dev/null 2>&1; then
  apt_install chromium
fi
step "chromium (Debian)" "$s"

# WebKit, the engine of Outlook for Mac and Safari (tests/webkit/, bench): WebKitGTK's WebDriver with the
# MiniBrowser it ships, run in a virtual X display (tests/support/webkit.py).
s=$(now)
if [ ! -x /usr/bin/WebKitWebDriver ] || [ ! -x /usr/bin/Xvfb ] \
   || [ ! -x /usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser ]; then
  apt_install webkit2gtk-driver xvfb
fi
step "webkit (Debian)" "$s"
step "setup total" "$t0"
