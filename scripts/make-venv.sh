#!/bin/sh
# make-venv.sh PYTHON VENV: a virtual environment with a current pip.
#
# The quick way when PYTHON's own pip can install into another environment
# (`pip --python`, pip 22.3 and later): the new pip goes straight in. Otherwise
# the usual way: ensurepip's bundled pip, then upgraded (about 4 s longer).
set -e
PYTHON="$1"
VENV="$2"
"$PYTHON" -m venv --without-pip "$VENV"
if "$PYTHON" -m pip --python "$VENV/bin/python" install --quiet --upgrade pip 2>/dev/null; then
    exit 0
fi
if ! "$VENV/bin/python" -m ensurepip --upgrade --default-pip >/dev/null 2>&1; then
    rm -rf "$VENV"
    echo "$PYTHON cannot put pip in a virtual environment: install its venv module" \
        "(Debian and Ubuntu: apt install python3-venv) and run make again" >&2
    exit 1
fi
"$VENV/bin/python" -m pip install --quiet --upgrade pip
