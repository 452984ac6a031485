#!/usr/bin/env bash
# Refresh requirements/lock.txt, the exact versions `make test` and `make demo` install (`make lock`).
#
# requirements/*.txt hold the ranges rt2_ros works with; the lock pins one resolution of them, so a fresh
# machine installs what was tested instead of what pip resolves that day. pip-tools' pip-compile resolves
# the ranges without installing anything, in a throwaway venv (it never touches .venv), and writes every
# pin with the requirement it comes "via". bootstrap.sh installs with the lock as a pip constraints file:
# extras are stripped (constraints cannot carry them), and torch's local build label (+cpu, from the wheel
# this machine keeps on disk) is dropped so the pin also matches the same release from PyPI.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
python="${PYTHON:-python3.11}"
tools="$(mktemp -d)"
trap 'rm -rf "$tools"' EXIT

"$python" -m venv "$tools/venv"
"$tools/venv/bin/python" -m pip install --disable-pip-version-check -q "pip-tools==7.6.2"
"$tools/venv/bin/pip-compile" --quiet --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links \
  --no-emit-trusted-host --annotation-style line --output-file "$tools/lock.txt" \
  requirements/ros.txt requirements/base.txt requirements/dev.txt
sed -E -e 's/^([A-Za-z0-9_.-]+==[^+ ]+)\+[A-Za-z0-9.]+/\1/' \
  -e "s#$tools/lock.txt#requirements/lock.txt#; s#pip-compile .*#make lock (scripts/lock.sh)#" \
  "$tools/lock.txt" >requirements/lock.txt
echo "lock: requirements/lock.txt, $(grep -c '==' requirements/lock.txt) pins"
