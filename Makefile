# The two commands of the README: `make demo` and `make test`. Both set up .venv first.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
export ROS_AUTOMATIC_DISCOVERY_RANGE ?= LOCALHOST
export MUJOCO_GL ?= egl

.PHONY: venv demo test bench lint lock clean

venv:
	@scripts/bootstrap.sh

demo: venv
	$(BIN)/rt2-ros demo

test: venv
	$(BIN)/python -m pytest

bench: venv
	$(BIN)/rt2-ros bench all

lint: venv
	$(BIN)/ruff check rt2_ros test launch
	$(BIN)/ruff format --check rt2_ros test launch

lock:
	@scripts/lock.sh

clean:
	rm -rf $(VENV) build
