#!/usr/bin/env bash
# Runs Bosun's whole test suite on a fresh Debian 12 machine, as root:
#   installs the Debian and npm packages it needs, builds, starts the lab
#   (dockerd, two registries, podman, real Debian images), type-checks and runs every test.
# This is the README's test command and exactly what .ci/run runs.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[test-all %s] %s\n' "$(date +%T)" "$*"; }

# Debian packages the tests use beyond what lab-up.sh installs.
APT_PKGS=(libxml2-utils)
missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  log "installing: ${missing[*]}"
  timeout 300 apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -q "${missing[@]}" >/dev/null
fi

log "npm ci"
npm ci --no-audit --no-fund --loglevel=error

log "build"
npm run --silent build

log "lab up"
bash lab/lab-up.sh

log "type check"
npm run --silent typecheck

log "tests"
npm test
