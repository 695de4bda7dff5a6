#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what the tests need, then runs them.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup-test-env.sh
if cargo nextest --version >/dev/null 2>&1; then
  cargo test --workspace --locked --doc
  cargo nextest run --workspace --locked --no-fail-fast
else
  cargo test --workspace --locked --no-fail-fast
fi
