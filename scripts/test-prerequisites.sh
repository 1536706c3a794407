#!/usr/bin/env bash
# `npm test` runs this first (npm's pretest): THE one place that brings what the tests need beyond
# `npm ci`, so the README's test command works on a fresh machine with nothing installed by hand.
#   - Chromium (the HTML report test drives it headless): apt-get when missing and running as root
#     (CI is root); otherwise a clear message and exit 1.
#   - the real upstream programs (`npm run peers`, cached in ~/.cache/meshtrace/peers), when this
#     checkout has that script; Maven comes with apt for it.
set -euo pipefail
cd "$(dirname "$0")/.."

has_peers=$(node -e 'process.stdout.write(require("./package.json").scripts?.peers ? "yes" : "")')

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
if [ -n "$has_peers" ]; then command -v mvn >/dev/null 2>&1 || need_apt+=(maven); fi

if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "test prerequisites: missing ${need_apt[*]}; install them (Debian/Ubuntu: sudo apt-get install ${need_apt[*]}) or run as root to let this script do it" >&2
    exit 1
  fi
  echo "test prerequisites: installing ${need_apt[*]} with apt-get" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# Only what the tests run (test/real/hotrod-traefik.test.ts needs Traefik). A cold Traefik build is the
# longest of them (~39 min compiling on a 2-core machine at load ~24); Go's module and build caches keep
# later runs to a cached stat, and `npm run peers` prints each program's time.
if [ -n "$has_peers" ]; then npm run --silent peers -- envoy jaeger otelcol zipkin kube traefik; fi
