#!/usr/bin/env bash
# Fetches the simulator's guest through apt (DESIGN.md "Simulator recipe"): the arm64 kernel that
# linux-image-arm64:arm64 depends on today (its ABI changes with security updates, so it is looked
# up, never written down) and busybox-static:arm64, each `apt-get download`ed into
# build/cache/sim/ and unpacked there with `dpkg -x`. Writes build/cache/sim/guest.env naming
# what sim/initramfs.ts uses. Cached: a no-op when the packages named today are unpacked.
set -eu
cd "$(dirname "$0")/.."
cache=build/cache/sim
mkdir -p "$cache"

kernel=$(apt-cache depends linux-image-arm64:arm64 2>/dev/null |
  sed -n 's/^ *Depends: \(linux-image-[0-9][^:]*\)\(:arm64\)\{0,1\}$/\1/p' | head -n1)
if [ -z "$kernel" ]; then
  echo "sim: apt-cache knows no linux-image-arm64:arm64 (is the arm64 architecture added and apt-get update run?)" >&2
  exit 3
fi

# Downloads one package's .deb into the cache (once) and unpacks it into $cache/<name>/.
fetch() {
  local pkg=$1 dir=$cache/$1
  [ -f "$dir/.unpacked" ] && return 0
  local deb
  deb=$(ls "$cache"/"$pkg"_*_arm64.deb 2>/dev/null | head -n1 || true)
  if [ -z "$deb" ]; then
    echo "sim: downloading $pkg:arm64"
    if ! (cd "$cache" && apt-get download -qq "$pkg:arm64" >/dev/null 2>&1); then
      # The lists may name a version the mirror no longer has (security updates): refresh once.
      [ "$(id -u)" = 0 ] && apt-get update -qq
      (cd "$cache" && apt-get download -qq "$pkg:arm64" >/dev/null)
    fi
    deb=$(ls "$cache"/"$pkg"_*_arm64.deb | head -n1)
  fi
  rm -rf "$dir" && mkdir -p "$dir"
  dpkg -x "$deb" "$dir"
  touch "$dir/.unpacked"
}

fetch "$kernel"
fetch busybox-static

release=${kernel#linux-image-}
vmlinuz=$cache/$kernel/boot/vmlinuz-$release
modules=$cache/$kernel/lib/modules/$release
busybox=$cache/busybox-static/bin/busybox
for f in "$vmlinuz" "$modules" "$busybox"; do
  [ -e "$f" ] || { echo "sim: $f is missing after unpacking" >&2; exit 3; }
done
env="KERNEL_PACKAGE=$kernel
KERNEL_RELEASE=$release
VMLINUZ=$vmlinuz
MODULES=$modules
BUSYBOX=$busybox"
if [ "$(cat "$cache/guest.env" 2>/dev/null)" != "$env" ]; then
  printf '%s\n' "$env" >"$cache/guest.env"
fi
