#!/usr/bin/env bash
# Sets Bosun up on a fresh Debian 12 machine and runs its main job on real input, as root:
# starts the lab (dockerd, registries, real Debian bookworm images built by mmdebstrap),
# imports the example OSV advisories, then catalogues and scans the lab's images from the
# registry, the engine and an OCI layout. Data goes to ./.bosun unless BOSUN_DATA_DIR is set.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n[demo %s] %s\n' "$(date +%T)" "$*"; }

log "npm ci and build"
npm ci --no-audit --no-fund --loglevel=error
npm run --silent build

log "lab up"
bash lab/lab-up.sh
# shellcheck disable=SC1091
source "${LAB_DIR:-${TMPDIR:-/tmp}/bosun-lab}/lab.env"
export BOSUN_DATA_DIR=${BOSUN_DATA_DIR:-$PWD/.bosun}
mkdir -p "$BOSUN_DATA_DIR"

run() { printf '\n$ bosun %s\n' "$*"; node dist/bosun.js "$@"; }

log "advisories"
run db import examples/osv
run db status

log "SBOM of the lab's app image from its registry"
run sbom "$LAB_REGISTRY/lab/app:1" --format cyclonedx >"$BOSUN_DATA_DIR/app.cdx.json"
echo "CycloneDX 1.6 SBOM written to $BOSUN_DATA_DIR/app.cdx.json ($(wc -c <"$BOSUN_DATA_DIR/app.cdx.json") bytes)"

log "scans: registry, engine, OCI layout (the second and third reuse cached layers)"
run scan "$LAB_REGISTRY/lab/app:1" || true
run scan docker-daemon:lab/app:1 --format json >"$BOSUN_DATA_DIR/app.scan.json" || true
echo "JSON report written to $BOSUN_DATA_DIR/app.scan.json"
# --fail-on makes the exit status a gate for CI: the example critical advisory trips it.
status=0
run scan "oci:$LAB_OCI_LAYOUT:debian-bookworm" --fail-on critical || status=$?
echo "exit status $status: 1 means a finding reached the --fail-on severity, as expected here"
