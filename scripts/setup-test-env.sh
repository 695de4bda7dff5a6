#!/usr/bin/env bash
# Installs what upkeep's test suite needs on a fresh Debian machine with Rust, Node and
# Python. Idempotent: a second run installs nothing. Tests start their own servers on
# loopback (ports chosen at run time) from what this script installs:
#   - git                          repositories, ls-remote, clones
#   - docker-registry (CNCF distribution) + htpasswd + openssl: the OCI registry, with
#     basic auth and token auth (certificates made by the tests)
#   - verdaccio (tools/verdaccio, pinned by its package-lock.json): the npm registry
#   - redis-server: the shared HTTP cache (tests start it with --save "" --appendonly no)
#   - zip, xxd: independent hash computations in the .terraform.lock.hcl tests
#   - prometheus-pushgateway: the metrics push of `upkeep run` (upkeep-server tests)
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v git >/dev/null 2>&1 || need_apt+=(git)
command -v docker-registry >/dev/null 2>&1 || need_apt+=(docker-registry)
command -v htpasswd >/dev/null 2>&1 || need_apt+=(apache2-utils)
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
# the Terraform lock file tests compute expected hashes independently with these
command -v zip >/dev/null 2>&1 || need_apt+=(zip)
command -v xxd >/dev/null 2>&1 || need_apt+=(xxd)
command -v prometheus-pushgateway >/dev/null 2>&1 || need_apt+=(prometheus-pushgateway)

if ((${#need_apt[@]})); then
  echo "setup: installing ${need_apt[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
fi

if [ ! -x tools/verdaccio/node_modules/.bin/verdaccio ]; then
  echo "setup: installing verdaccio into tools/verdaccio"
  npm ci --prefix tools/verdaccio --no-audit --no-fund --loglevel=error
fi

# git refuses to commit without an identity; tests that commit set their own, but make
# sure a bare machine can run them.
git config --global user.name >/dev/null 2>&1 || git config --global user.name "upkeep tests"
git config --global user.email >/dev/null 2>&1 || git config --global user.email "tests@upkeep.invalid"
