#!/usr/bin/env bash
# Installs every toolchain racesyso uses, from the registries this project
# reaches by package name. Safe to re-run: it installs only what is missing.
#   Debian: git, gcc (cgo), clang, lld (linux object and smoke test), MinGW-w64 (windows
#           object), wine64 (runs the windows smoke test)
#   PyPI:   ziglang (darwin and freebsd cross compiler; bundles their libc headers)
# Set RACESYSO_SKIP_CROSS=1 to install only what the linux target needs.
# `install-tools.sh test` also installs what only the tests use: Debian's
# chromium (the report page is rendered headless; .ci/run passes it).
# Nothing of apt's configuration is touched: a profile whose source is a
# Debian source package fetches it through a private apt configuration in
# the cache (internal/source).
set -euo pipefail

ZIG_VERSION=0.17.1   # keep in step with the profiles' targets.json (tested)

need_apt=()
have() { command -v "$1" >/dev/null 2>&1; }
have git || need_apt+=(git)
have xz || need_apt+=(xz-utils)      # Debian source packages' orig tarballs
have gcc || need_apt+=(gcc)          # cgo: the verify harness and Go's -race builds
have python3 || need_apt+=(python3 python3-pip)
have clang || need_apt+=(clang)
have ld.lld || need_apt+=(lld)
if [ "${RACESYSO_SKIP_CROSS:-0}" != 1 ]; then
  have x86_64-w64-mingw32-g++ || need_apt+=(g++-mingw-w64-x86-64 gcc-mingw-w64-x86-64)
  [ -x /usr/lib/wine/wine64 ] || need_apt+=(wine64)
fi
if [ "${1:-}" = test ]; then
  have chromium || need_apt+=(chromium)   # internal/report's TestReportInChromium
fi

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi

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
