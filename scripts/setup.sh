#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine with Node 20 lacks for Zorgwacht: Debian packages for
# the native and cross builds, qemu-user, openssl and Mosquitto (the tests' broker), then the npm
# packages. Idempotent: a second run checks and returns quickly. Not root and something missing:
# says exactly what, exits 3.
set -eu
cd "$(dirname "$0")/.."

# Debian packages, by what they give us (a file we can test for) — "pkg:file".
need=(
  "gcc:/usr/bin/gcc"
  "make:/usr/bin/make"
  "libssl-dev:/usr/include/openssl/evp.h"
  "openssl:/usr/bin/openssl"
  "time:/usr/bin/time"
  "strace:/usr/bin/strace"
  "gcc-aarch64-linux-gnu:/usr/bin/aarch64-linux-gnu-gcc"
  "libc6-dev-arm64-cross:/usr/aarch64-linux-gnu/lib/libc.a"
  "qemu-user-static:/usr/bin/qemu-aarch64-static"
  "libssl-dev:arm64:/usr/lib/aarch64-linux-gnu/libcrypto.a"
  "mosquitto:/usr/sbin/mosquitto"
  "qemu-system-arm:/usr/bin/qemu-system-aarch64"
  "cpio:/usr/bin/cpio"
)
missing=()
for item in "${need[@]}"; do
  file=${item##*:}; pkg=${item%:*}
  [ -e "$file" ] || missing+=("$pkg")
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: missing Debian packages: ${missing[*]}" >&2
    echo "setup: not root; as root run:" >&2
    echo "  dpkg --add-architecture arm64 && apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 3
  fi
  echo "setup: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    dpkg --add-architecture arm64
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The simulator's guest (arm64 kernel, busybox) through apt into build/cache/sim/; cached.
bash sim/fetch-guest.sh

# binfmt is not required: tests call qemu-aarch64-static explicitly.

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi
