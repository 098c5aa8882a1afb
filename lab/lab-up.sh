#!/usr/bin/env bash
# lab-up.sh - bring up an offline container lab on Debian 12 (bookworm), as root.
#
#   * installs the Debian packages it needs (only if missing)
#   * builds a reproducible Debian bookworm base rootfs with mmdebstrap (Debian mirror only)
#   * starts dockerd (overlay2, falls back to vfs) on a unix socket, no iptables/bridge
#   * starts two distribution/registry v2 instances on loopback: open (:5000) and htpasswd (:5001)
#   * starts the podman Docker-compatible API service on a unix socket (WITH_PODMAN=1)
#   * imports the base, builds a derived image, pushes both to the registries,
#     and writes an OCI image layout with both images
#
# Idempotent: anything already running / already built is reused. Stop with lab-down.sh.
# Every daemon listens on 127.0.0.1 or a unix socket only; nothing is pulled from the internet.
set -euo pipefail

LAB_DIR=${LAB_DIR:-${TMPDIR:-/tmp}/bosun-lab}
LAB_TTL=${LAB_TTL:-6h}                  # max lifetime of each daemon (timeout(1) syntax; 0 = none)
REGISTRY_ADDR=${REGISTRY_ADDR:-127.0.0.1:5000}
AUTH_REGISTRY_ADDR=${AUTH_REGISTRY_ADDR:-127.0.0.1:5001}
AUTH_USER=${AUTH_USER:-lab}
AUTH_PASS=${AUTH_PASS:-labpass}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${SECURITY_MIRROR:-http://deb.debian.org/debian-security}
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1700000000}   # makes the mmdebstrap tar bit-reproducible
STORAGE_DRIVER=${STORAGE_DRIVER:-overlay2}
WITH_PODMAN=${WITH_PODMAN:-1}

RUN=$LAB_DIR/run LOG=$LAB_DIR/log ETC=$LAB_DIR/etc
DOCKER_SOCK=$RUN/docker.sock
PODMAN_SOCK=$RUN/podman.sock
BASE_TAR=$LAB_DIR/base/debian-bookworm-minbase.tar
OCI_DIR=$LAB_DIR/oci
export DOCKER_HOST=unix://$DOCKER_SOCK
export DOCKER_CONFIG=$ETC/docker-client          # keep `docker login` out of ~/.docker
export CONTAINERS_CONF=$ETC/containers.conf
export CONTAINERS_STORAGE_CONF=$ETC/storage.conf

log() { printf '[lab-up %s] %s\n' "$(date +%T)" "$*"; }
die() { log "ERROR: $*"; exit 1; }
t() { timeout -k 10 "$@"; }                       # every client command is time-bounded
alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
wait_for() { # wait_for SECONDS CMD... : poll CMD every 0.25 s
  local n=$(( $1 * 4 )); shift
  for ((i = 0; i < n; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.25; done
  return 1
}
start_daemon() { # start_daemon NAME CMD... : detached, logged, TTL-bounded, PID in $RUN/NAME.pid
  local name=$1; shift
  setsid nohup "${NO_EGRESS[@]}" timeout -k 30 "$LAB_TTL" "$@" >>"$LOG/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN/$name.pid"
}
port_busy() { ss -Hltn "sport = :${1##*:}" | grep -q .; }
# Daemons get a dead loopback proxy: any accidental pull from docker.io/quay.io/... fails
# locally ("proxyconnect ... 127.0.0.1:9: connection refused") without a DNS lookup or egress.
# Loopback registries are never proxied (Go skips the proxy for loopback hosts).
NO_EGRESS=(env HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 http_proxy=http://127.0.0.1:9
           https_proxy=http://127.0.0.1:9 NO_PROXY=localhost,127.0.0.1,::1 no_proxy=localhost,127.0.0.1,::1)

[ "$(id -u)" = 0 ] || die "must run as root"
T0=$(date +%s)
mkdir -p "$RUN" "$LOG" "$ETC" "$DOCKER_CONFIG" "$LAB_DIR/base" "$LAB_DIR/ctx" "$LAB_DIR/registry" "$LAB_DIR/registry-auth"

# ---------------------------------------------------------------- 1. packages
PKGS=(docker.io containerd runc crun podman buildah skopeo docker-registry umoci mmdebstrap
      fuse-overlayfs apache2-utils curl iproute2 python3 rpm sqlite3)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  log "installing: ${missing[*]}"
  made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    # keep apt from starting docker / docker-registry (Debian's registry config listens on :5000, all interfaces)
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && made_policy=1
  fi
  t 300 apt-get update -q
  DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1 t 900 apt-get install -y -q "${missing[@]}"
  ((made_policy)) && rm -f /usr/sbin/policy-rc.d
else
  log "packages already installed"
fi

# ---------------------------------------------------------------- 2. base rootfs (mmdebstrap)
if [ ! -s "$BASE_TAR" ]; then
  log "mmdebstrap minbase bookworm -> $BASE_TAR (SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH)"
  tmp=$LAB_DIR/base/.partial.tar; rm -f "$tmp"
  t 900 mmdebstrap --quiet --variant=minbase --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr bookworm "$tmp" \
    "deb $MIRROR bookworm main" "deb $MIRROR bookworm-updates main" "deb $SECURITY_MIRROR bookworm-security main" \
    >"$LOG/mmdebstrap.log" 2>&1 || { tail -20 "$LOG/mmdebstrap.log"; die "mmdebstrap failed"; }
  tar -tf "$tmp" ./var/lib/dpkg/status >/dev/null || die "no var/lib/dpkg/status in rootfs tar"
  mv "$tmp" "$BASE_TAR"
else
  log "base rootfs present: $BASE_TAR"
fi
BASE_DIFFID=sha256:$(sha256sum "$BASE_TAR" | cut -d' ' -f1)   # == layer diff_id after `docker import`

# ---------------------------------------------------------------- 3. config files
echo '{}' >"$ETC/daemon.json"          # so dockerd does not read /etc/docker/daemon.json
reg_cfg() { # reg_cfg ADDR ROOTDIR [HTPASSWD]
  cat <<EOF
version: 0.1
log:
  level: info
  fields: {service: registry}
storage:
  filesystem: {rootdirectory: $2}
  delete: {enabled: true}
  cache: {blobdescriptor: inmemory}
http:
  addr: $1
  headers:
    X-Content-Type-Options: [nosniff]
EOF
  [ -z "${3:-}" ] || printf 'auth:\n  htpasswd:\n    realm: lab-registry\n    path: %s\n' "$3"
}
reg_cfg "$REGISTRY_ADDR" "$LAB_DIR/registry" >"$ETC/registry.yml"
[ -s "$ETC/htpasswd" ] || htpasswd -Bbn "$AUTH_USER" "$AUTH_PASS" >"$ETC/htpasswd"
reg_cfg "$AUTH_REGISTRY_ADDR" "$LAB_DIR/registry-auth" "$ETC/htpasswd" >"$ETC/registry-auth.yml"
cat >"$ETC/containers.conf" <<EOF
[containers]
# CAP_SYS_RESOURCE may be missing from the bounding set (sandboxes): podman's default
# rlimits (nofile 1048576, nproc 4194304) then fail; pin them at/below the hard limits.
default_ulimits = ["nofile=$(ulimit -Hn):$(ulimit -Hn)", "nproc=$(( $(ulimit -Hu) < 32768 ? $(ulimit -Hu) : 32768 )):$(( $(ulimit -Hu) < 32768 ? $(ulimit -Hu) : 32768 ))"]
netns = "none"

[engine]
# crun 1.8.1 refuses hybrid cgroup v1/v2 hosts whose v2 tree has a controller; runc works.
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "$RUN/libpod"
events_logfile_path = "$RUN/libpod/events.log"
EOF
cat >"$ETC/storage.conf" <<EOF
[storage]
driver = "overlay"
runroot = "$RUN/containers-storage"
graphroot = "$LAB_DIR/containers-storage"
EOF

# ---------------------------------------------------------------- 4. dockerd
docker_ok() { t 5 curl -sf --unix-socket "$DOCKER_SOCK" http://d/_ping; }
start_dockerd() {
  setsid nohup "${NO_EGRESS[@]}" timeout -k 30 "$LAB_TTL" dockerd --config-file "$ETC/daemon.json" \
    --host "unix://$DOCKER_SOCK" --data-root "$LAB_DIR/docker" --exec-root "$RUN/docker-exec" \
    --pidfile "$RUN/dockerd.pid" --storage-driver "$1" --shutdown-timeout 5 \
    --iptables=false --ip6tables=false --ip-masq=false --ip-forward=false --bridge=none \
    >>"$LOG/dockerd.log" 2>&1 </dev/null &
  echo $! >"$RUN/dockerd-wrapper.pid"
  wait_for 60 docker_ok
}
if alive "$RUN/dockerd.pid" && docker_ok; then
  log "dockerd already running (pid $(cat "$RUN/dockerd.pid"))"
else
  log "starting dockerd ($STORAGE_DRIVER)"
  if ! start_dockerd "$STORAGE_DRIVER"; then
    [ "$STORAGE_DRIVER" != vfs ] || { tail -20 "$LOG/dockerd.log"; die "dockerd did not start"; }
    log "dockerd with $STORAGE_DRIVER failed; retrying with vfs"
    alive "$RUN/dockerd-wrapper.pid" && kill "$(cat "$RUN/dockerd-wrapper.pid")" && sleep 2
    start_dockerd vfs || { tail -20 "$LOG/dockerd.log"; die "dockerd did not start"; }
  fi
fi

# ---------------------------------------------------------------- 5. registries
start_registry() { # start_registry NAME ADDR CONFIG EXPECTED_HTTP_CODE
  local name=$1 addr=$2 cfg=$3 code=$4
  probe() { [ "$(t 3 curl -s -o /dev/null -w '%{http_code}' "http://$addr/v2/")" = "$code" ]; }
  if alive "$RUN/$name.pid" && probe; then log "$name already running on $addr"; return; fi
  port_busy "$addr" && die "$addr is in use by something lab-up did not start"
  log "starting $name on $addr"
  start_daemon "$name" docker-registry serve "$cfg"
  wait_for 30 probe || { tail -20 "$LOG/$name.log"; die "$name did not come up"; }
}
start_registry registry "$REGISTRY_ADDR" "$ETC/registry.yml" 200
start_registry registry-auth "$AUTH_REGISTRY_ADDR" "$ETC/registry-auth.yml" 401

# ---------------------------------------------------------------- 6. podman API service
podman_ok() { t 5 curl -sf --unix-socket "$PODMAN_SOCK" http://d/_ping; }
if [ "$WITH_PODMAN" = 1 ]; then
  mkdir -p "$RUN/libpod"
  if alive "$RUN/podman.pid" && podman_ok; then
    log "podman service already running"
  else
    log "starting podman system service"
    rm -f "$PODMAN_SOCK"
    start_daemon podman podman system service --time=0 "unix://$PODMAN_SOCK"
    wait_for 30 podman_ok || { tail -20 "$LOG/podman.log"; die "podman service did not come up"; }
  fi
fi

# ---------------------------------------------------------------- 7. images
have_base=$(t 30 docker image inspect lab/debian:bookworm --format '{{index .RootFS.Layers 0}}' 2>/dev/null || true)
if [ "$have_base" != "$BASE_DIFFID" ]; then
  log "docker import base -> lab/debian:bookworm"
  t 300 docker import --change 'CMD ["/bin/bash"]' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    "$BASE_TAR" lab/debian:bookworm >/dev/null
else
  log "base image already imported"
fi

cat >"$LAB_DIR/ctx/Dockerfile" <<'EOF'
FROM lab/debian:bookworm
LABEL org.opencontainers.image.title="lab-app" org.opencontainers.image.version="1"
RUN echo "built offline" > /built && cat /etc/debian_version > /debver
COPY hello.sh /usr/local/bin/hello.sh
HEALTHCHECK --interval=5s --timeout=2s --retries=3 CMD test -f /built || exit 1
CMD ["/usr/local/bin/hello.sh"]
EOF
printf '#!/bin/sh\necho "lab-app on debian $(cat /debver): $(cat /built)"\n' >"$LAB_DIR/ctx/hello.sh"
chmod 755 "$LAB_DIR/ctx/hello.sh"
log "docker build lab/app:1 (classic builder, --network none)"
DOCKER_BUILDKIT=0 t 600 docker build -q --network none -t lab/app:1 "$LAB_DIR/ctx" 2>"$LOG/build.stderr" >/dev/null \
  || { cat "$LOG/build.stderr"; die "docker build failed"; }
t 60 docker run --rm --network none lab/app:1 >"$LOG/app-run.txt" || die "lab/app:1 does not run"

log "push to $REGISTRY_ADDR"
for img in debian:bookworm app:1; do
  t 60 docker tag "lab/$img" "$REGISTRY_ADDR/lab/$img"
  t 300 docker push -q "$REGISTRY_ADDR/lab/$img" >/dev/null
done
log "push to $AUTH_REGISTRY_ADDR (htpasswd $AUTH_USER)"
printf '%s' "$AUTH_PASS" | t 30 docker login -u "$AUTH_USER" --password-stdin "$AUTH_REGISTRY_ADDR" >/dev/null 2>&1
t 60 docker tag lab/app:1 "$AUTH_REGISTRY_ADDR/lab/app:1"
t 300 docker push -q "$AUTH_REGISTRY_ADDR/lab/app:1" >/dev/null

log "OCI layout -> $OCI_DIR"
for ref in debian:bookworm app:1; do
  "${NO_EGRESS[@]}" timeout -k 10 300 skopeo copy -q --src-tls-verify=false "docker://$REGISTRY_ADDR/lab/$ref" "oci:$OCI_DIR:${ref//:/-}"
done
python3 - "$OCI_DIR" <<'EOF' || die "OCI diff_id check failed"
import json, os, sys
d = sys.argv[1]
blob = lambda dg: json.load(open(os.path.join(d, 'blobs', *dg.split(':'))))
refs = {m['annotations']['org.opencontainers.image.ref.name']: m['digest'] for m in json.load(open(d + '/index.json'))['manifests']}
ids = {r: blob(blob(refs[r])['config']['digest'])['rootfs']['diff_ids'] for r in ('debian-bookworm', 'app-1')}
assert ids['app-1'][:len(ids['debian-bookworm'])] == ids['debian-bookworm'], ids
print(f"[lab-up] OCI check ok: app-1 diff_ids ({len(ids['app-1'])}) start with debian-bookworm diff_ids {ids['debian-bookworm']}")
EOF

if [ "$WITH_PODMAN" = 1 ]; then
  "${NO_EGRESS[@]}" timeout -k 10 120 podman pull -q --tls-verify=false "$REGISTRY_ADDR/lab/app:1" >/dev/null
fi

# ---------------------------------------------------------------- 8. summary
digest() { t 5 curl -sI -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
  -H 'Accept: application/vnd.oci.image.manifest.v1+json' "$@" | awk -F': ' 'tolower($1)=="docker-content-digest"{print $2}' | tr -d '\r'; }
APP_DIGEST=$(digest "http://$REGISTRY_ADDR/v2/lab/app/manifests/1")
BASE_DIGEST=$(digest "http://$REGISTRY_ADDR/v2/lab/debian/manifests/bookworm")
cat >"$LAB_DIR/lab.env" <<EOF
export DOCKER_HOST=unix://$DOCKER_SOCK
export LAB_DOCKER_SOCK=$DOCKER_SOCK
export LAB_PODMAN_SOCK=$([ "$WITH_PODMAN" = 1 ] && echo "$PODMAN_SOCK")
export LAB_REGISTRY=$REGISTRY_ADDR
export LAB_AUTH_REGISTRY=$AUTH_REGISTRY_ADDR
export LAB_AUTH_USER=$AUTH_USER
export LAB_AUTH_PASS=$AUTH_PASS
export LAB_BASE_TAR=$BASE_TAR
export LAB_BASE_DIFFID=$BASE_DIFFID
export LAB_BASE_DIGEST=$BASE_DIGEST
export LAB_APP_DIGEST=$APP_DIGEST
export LAB_OCI_LAYOUT=$OCI_DIR
export CONTAINERS_CONF=$ETC/containers.conf
export CONTAINERS_STORAGE_CONF=$ETC/storage.conf
EOF
cat <<EOF
================ lab is up ($(( $(date +%s) - T0 )) s) ================
docker engine : unix://$DOCKER_SOCK   (dockerd pid $(cat "$RUN/dockerd.pid"), driver $(t 10 docker info --format '{{.Driver}}'), API $(t 10 docker version --format '{{.Server.APIVersion}}'))
podman API    : $([ "$WITH_PODMAN" = 1 ] && echo "unix://$PODMAN_SOCK (pid $(cat "$RUN/podman.pid"), Docker-compatible API v1.41 + libpod API)" || echo disabled)
registry      : http://$REGISTRY_ADDR   (no auth, pid $(cat "$RUN/registry.pid"))
registry+auth : http://$AUTH_REGISTRY_ADDR   (basic auth $AUTH_USER:$AUTH_PASS, pid $(cat "$RUN/registry-auth.pid"))
base image    : lab/debian:bookworm  layer diff_id $BASE_DIFFID
                $REGISTRY_ADDR/lab/debian:bookworm@$BASE_DIGEST
derived image : $REGISTRY_ADDR/lab/app:1@$APP_DIGEST  (also $AUTH_REGISTRY_ADDR/lab/app:1)
OCI layout    : $OCI_DIR  (refs debian-bookworm, app-1)
env file      : source $LAB_DIR/lab.env
logs          : $LOG/
EOF
