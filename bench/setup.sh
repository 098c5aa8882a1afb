#!/usr/bin/env bash
# setup.sh - prepare the inputs of bench/scan.bench.ts and bench/import.bench.ts.
#
#   bash bench/setup.sh
#
# Idempotent: every step is skipped when its output already exists. Writes only under
# bench/out/ (gitignored), apart from `npm install` in bench/peers and the lab in /tmp/bosun-lab.
#   bench/out/app.tar        `docker save lab/app:1` (legacy docker-archive layout)
#   bench/out/rootfs/app-1/  the same image unpacked (`docker export`, so layers are already
#                            merged and whiteouts applied), for `trivy rootfs`
#   bench/out/inputs.env     the paths above plus the OCI layout of the lab
# Run as root on the lab host: the lab needs root, and the lab engine's socket is root-only.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/bench/out
IMAGE=lab/app:1
ARCHIVE=$OUT/app.tar
ROOTFS=$OUT/rootfs/app-1

log() { printf '[bench-setup %s] %s\n' "$(date +%T)" "$*"; }

install_peers() {
  if [ -x "$ROOT/bench/peers/node_modules/.bin/cdxgen" ]; then
    log "peers already installed"
    return
  fi
  log "installing peer tools in bench/peers"
  (cd "$ROOT/bench/peers" && npm install --no-audit --no-fund)
}

install_time() {
  # GNU time reports the peak RSS (%M) of each benchmarked command.
  if [ -x /usr/bin/time ]; then return; fi
  log "installing GNU time"
  apt-get install -y --no-install-recommends time
}

start_lab() {
  log "starting the lab (idempotent)"
  bash "$ROOT/lab/lab-up.sh" >"$OUT/lab-up.log" 2>&1 || {
    log "lab-up.sh failed; see $OUT/lab-up.log"
    exit 1
  }
  # shellcheck source=/dev/null
  source /tmp/bosun-lab/lab.env
}

save_archive() {
  if [ -s "$ARCHIVE" ]; then
    log "archive exists: $ARCHIVE"
    return
  fi
  log "saving $IMAGE to $ARCHIVE"
  docker save "$IMAGE" -o "$ARCHIVE.partial"
  mv "$ARCHIVE.partial" "$ARCHIVE"
}

unpack_rootfs() {
  if [ -f "$ROOTFS/.complete" ]; then
    log "rootfs exists: $ROOTFS"
    return
  fi
  log "unpacking $IMAGE into $ROOTFS"
  rm -rf "$ROOTFS"
  mkdir -p "$ROOTFS"
  local container
  container=$(docker create --network none "$IMAGE" /bin/true)
  # The engine adds /dev entries and /.dockerenv to every container, and they are not image content.
  docker export "$container" | tar -x -C "$ROOTFS" --exclude='./dev/*' --exclude='dev/*' --exclude='./.dockerenv' --exclude='.dockerenv'
  docker rm "$container" >/dev/null
  touch "$ROOTFS/.complete"
}

write_inputs() {
  cat >"$OUT/inputs.env" <<EOF
BENCH_ARCHIVE=$ARCHIVE
BENCH_ROOTFS=$ROOTFS
BENCH_OCI_LAYOUT=${LAB_OCI_LAYOUT:-/tmp/bosun-lab/oci}
BENCH_IMAGE=$IMAGE
EOF
  log "inputs written to $OUT/inputs.env"
}

mkdir -p "$OUT"
install_peers
install_time
start_lab
save_archive
unpack_rootfs
write_inputs
