#!/usr/bin/env bash
# The repository checkout's host tools: what running needs and what the test suite needs. Runs before
# `npm ci` (no Node needed): the logic and the package lists live in scripts/setup.sh, which the npm
# package ships and `tailmatrix setup` runs. Extra options pass through (--dry-run, --print-packages).
exec bash "$(dirname "${BASH_SOURCE[0]}")/setup.sh" --with-tests --with-arm64 "$@"
