#!/usr/bin/env bash
# Installs what upkeep's test suite needs on a fresh Debian machine with Rust, Node and
# Python. Idempotent: a second run installs nothing. Tests start their own servers on
# loopback from what this script installs.
set -euo pipefail

need_apt=()
command -v git >/dev/null 2>&1 || need_apt+=(git)

if ((${#need_apt[@]})); then
  echo "setup: installing ${need_apt[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
fi

# git refuses to commit without an identity; tests that commit set their own, but make
# sure a bare machine can run them.
git config --global user.name >/dev/null 2>&1 || git config --global user.name "upkeep tests"
git config --global user.email >/dev/null 2>&1 || git config --global user.email "tests@upkeep.invalid"
