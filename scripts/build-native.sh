#!/usr/bin/env bash
# Builds the native side with cached outputs: QuickJS from the pinned npm tarball
# (hardware/native/quickjs.lock; refuses any other bytes), then libquickjs.a, zwc, zw-host and
# zw-host-dev for x86_64 and aarch64 into build/native/<arch>/ (make keeps what is up to date).
set -eu
cd "$(dirname "$0")/.."
root=$PWD
. hardware/native/quickjs.lock
cache=build/cache src=build/quickjs/src gen=build/native/gen
mkdir -p "$cache" "$gen"

tarball="$cache/qjsc-0.3.0.tgz"
if [ ! -f "$tarball" ] || ! echo "$QJS_TARBALL_SHA256  $tarball" | sha256sum -c --status; then
  echo "build-native: fetching $QJS_NPM_PACKAGE"
  rm -f "$tarball"
  (cd "$cache" && npm pack --silent "$QJS_NPM_PACKAGE" >/dev/null)
  integrity="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
  if [ "$integrity" != "$QJS_NPM_INTEGRITY" ]; then
    echo "build-native: $tarball integrity $integrity is not the pinned $QJS_NPM_INTEGRITY" >&2
    exit 3
  fi
  if ! echo "$QJS_TARBALL_SHA256  $tarball" | sha256sum -c --status; then
    echo "build-native: $tarball does not have the pinned SHA-256 $QJS_TARBALL_SHA256" >&2
    exit 3
  fi
fi

files_sha() { (cd "$1" && for f in $QJS_FILES; do sha256sum "$f"; done | sha256sum | cut -d' ' -f1); }
if [ ! -f "$src/VERSION" ] || [ "$(files_sha "$src" 2>/dev/null)" != "$QJS_FILES_SHA256" ]; then
  rm -rf build/quickjs && mkdir -p build/quickjs/unpack
  tar -xzf "$tarball" -C build/quickjs/unpack "$QJS_DIR"
  mv "build/quickjs/unpack/$QJS_DIR" "$src" && rm -rf build/quickjs/unpack
  got=$(files_sha "$src")
  if [ "$got" != "$QJS_FILES_SHA256" ] || [ "$(cat "$src/VERSION")" != "$QJS_VERSION" ]; then
    echo "build-native: QuickJS sources do not match the pin (files $got, version $(cat "$src/VERSION"))" >&2
    rm -rf build/quickjs
    exit 3
  fi
fi

# The partition table comes from hardware/layout.ts; rewrite the header only when it changes.
npx --no-install tsx scripts/gen-layout.ts "$gen/layout.h.new"
if cmp -s "$gen/layout.h.new" "$gen/layout.h"; then rm "$gen/layout.h.new"; else mv "$gen/layout.h.new" "$gen/layout.h"; fi

jobs=$(nproc 2>/dev/null || echo 2)
mk() { make --no-print-directory -s -j"$jobs" -C hardware/native ARCH="$1" \
  OUT="$root/build/native/$1" QJS="$root/$src" GEN="$root/$gen" QJS_VERSION="$QJS_VERSION" "${@:2}"; }
# zwc first: the boot verifier compiled into both hosts is bytecode made with it.
mk x86_64 zwc
npx --no-install tsx scripts/gen-bootverify.ts "$gen/bootverify.c"
for arch in x86_64 aarch64; do
  mk "$arch"
done
