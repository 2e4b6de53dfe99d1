#!/usr/bin/env bash
# Installs every toolchain racesyso uses, from the registries this project
# reaches by package name. Safe to re-run: it installs only what is missing.
#   Debian: git, gcc (cgo), clang, lld (linux object and smoke test), MinGW-w64 (windows
#           object), wine64 (runs the windows smoke test)
#   PyPI:   ziglang (darwin and freebsd cross compiler; bundles their libc headers)
# Set RACESYSO_SKIP_CROSS=1 to install only what the linux target needs.
# Set RACESYSO_DEB_SRC=1 (or RACESYSO_PROFILE=llvm-19) to also add a deb-src
# entry for Debian's own mirror in its own file,
# /etc/apt/sources.list.d/racesyso-deb-src.sources (the llvm-19 profile
# fetches llvm-toolchain-19 with apt-get source); nothing else of apt's
# configuration is touched.
set -euo pipefail

ZIG_VERSION=0.17.1   # keep in step with internal/targets/targets.json (tested)

need_apt=()
have() { command -v "$1" >/dev/null 2>&1; }
have git || need_apt+=(git)
have xz || need_apt+=(xz-utils)      # the llvm-19 profile's orig tarball
have gcc || need_apt+=(gcc)          # cgo: the verify harness and Go's -race builds
have python3 || need_apt+=(python3 python3-pip)
have clang || need_apt+=(clang)
have ld.lld || need_apt+=(lld)
if [ "${RACESYSO_SKIP_CROSS:-0}" != 1 ]; then
  have x86_64-w64-mingw32-g++ || need_apt+=(g++-mingw-w64-x86-64 gcc-mingw-w64-x86-64)
  [ -x /usr/lib/wine/wine64 ] || need_apt+=(wine64)
fi

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi

# --- racesyso: Debian source entry for the llvm-19 profile (opt-in) ---
# Writes /etc/apt/sources.list.d/racesyso-deb-src.sources: a deb-src twin of
# every "Types: deb" stanza of /etc/apt/sources.list.d/debian.sources (same
# URIs, Suites, Components, Signed-By). Only that one file is ever written;
# nothing else of apt's configuration is touched. Idempotent: the file is
# rewritten only when absent or different, and the script says which.
racesyso_deb_src() {
  local base=/etc/apt/sources.list.d/debian.sources
  local file=/etc/apt/sources.list.d/racesyso-deb-src.sources
  local want
  if [ ! -r "$base" ]; then
    echo "install-tools: $base not found (not a deb822 Debian system?): add a deb-src entry for llvm-toolchain-19 by hand" >&2
    return 1
  fi
  want=$(awk '
    BEGIN { RS=""; FS="\n"; n=0 }
    {
      deb=0; uris=""; suites=""; comps=""; signed=""; enabled=1
      for (i = 1; i <= NF; i++) {
        line=$i
        if (line ~ /^#/) continue
        split(line, kv, ":"); key=kv[1]; val=substr(line, length(key)+2); gsub(/^[ \t]+|[ \t]+$/, "", val)
        if (key == "Types" && (" " val " ") ~ / deb /) deb=1
        else if (key == "URIs") uris=val
        else if (key == "Suites") suites=val
        else if (key == "Components") comps=val
        else if (key == "Signed-By") signed=val
        else if (key == "Enabled" && val == "no") enabled=0
      }
      if (!deb || !enabled || uris == "") next
      if (n++) print ""
      print "Types: deb-src"; print "URIs: " uris; print "Suites: " suites; print "Components: " comps
      if (signed != "") print "Signed-By: " signed
    }' "$base")
  if [ -z "$want" ]; then
    echo "install-tools: no enabled 'Types: deb' stanza in $base: nothing to mirror as deb-src" >&2
    return 1
  fi
  want="# Written by racesyso scripts/install-tools.sh (RACESYSO_DEB_SRC=1): deb-src twin of
# $base, for 'apt-get source llvm-toolchain-19' (the llvm-19 profile).
# Remove this file to undo; nothing else of apt's configuration was changed.
$want"
  if [ -f "$file" ] && [ "$(cat "$file")" = "$want" ]; then
    echo "install-tools: $file already up to date: apt configuration unchanged"
    return 0
  fi
  local verb=created
  [ -e "$file" ] && verb=replaced
  printf '%s\n' "$want" | $SUDO tee "$file.racesyso-tmp" >/dev/null
  $SUDO chmod 0644 "$file.racesyso-tmp"
  $SUDO mv -f "$file.racesyso-tmp" "$file"
  echo "install-tools: $verb $file (deb-src for: $(awk '/^URIs:/{u=$2} /^Suites:/{sub(/^Suites: /,""); printf "%s%s [%s]", sep, u, $0; sep="; "}' "$file")); running apt-get update"
  $SUDO apt-get update -qq
}
# --- end racesyso deb-src ---
if [ "${RACESYSO_DEB_SRC:-0}" = 1 ] || [ "${RACESYSO_PROFILE:-}" = llvm-19 ]; then
  racesyso_deb_src
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "install-tools: apt-get install ${need_apt[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

if [ "${RACESYSO_SKIP_CROSS:-0}" != 1 ]; then
  if [ "$(python3 -m ziglang version 2>/dev/null)" != "$ZIG_VERSION" ]; then
    echo "install-tools: pip install ziglang==$ZIG_VERSION"
    python3 -m pip install -q "ziglang==$ZIG_VERSION"
  fi
fi

echo "install-tools: clang: $(clang --version | head -1)"
if [ "${RACESYSO_SKIP_CROSS:-0}" != 1 ]; then
  echo "install-tools: mingw: $(x86_64-w64-mingw32-g++ --version | head -1)"
  echo "install-tools: wine: $(/usr/lib/wine/wine64 --version 2>/dev/null || echo missing)"
  echo "install-tools: zig: $(python3 -m ziglang version)"
fi
