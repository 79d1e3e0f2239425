#!/usr/bin/env bash
# Debian packages some tests need, installed by `make test` when missing (CI runs as root):
#   redis-server — the broker of the Celery executor test (tests/integration/test_scheduler.py);
#   chromium — opens the extract reports and Data Docs as a reader would (tests/browser.py),
#   with fonts-dejavu-core for the Latvian letters in its PDF.
# The package's own service is never started here (policy-rc.d): the test starts its own
# server on 127.0.0.1 and stops it by PID.
set -euo pipefail
need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "note: missing Debian packages ${need[*]}: install them, or the tests that need them are skipped"
    exit 0
fi
echo "== installing Debian packages the tests need: ${need[*]}"
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && created_policy=1
fi
trap '[ "$created_policy" = 1 ] && rm -f "$policy"' EXIT
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
