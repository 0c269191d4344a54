#!/usr/bin/env bash
# Checks the systemd units: `systemd-analyze verify` accepts them and the service's
# exposure score is at most 2.0. Installs systemd with apt when missing and possible;
# otherwise says so and skips (exit 0).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
binary="${1:-}"

if ! command -v systemd-analyze >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq systemd) >/dev/null 2>&1 || true
  fi
fi
if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "warning: systemd-analyze is unavailable; the unit checks are skipped"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# verify wants ExecStart= to exist: point it at the built binary (or a stand-in).
[ -x "$binary" ] || binary=/bin/true
sed "s|^ExecStart=/usr/bin/twofoldd|ExecStart=$binary|" "$here/twofoldd.service" >"$work/twofoldd.service"
cp "$here/twofoldd.socket" "$work/twofoldd.socket"

systemd-analyze verify --man=no "$work/twofoldd.service" "$work/twofoldd.socket"
echo "systemd-analyze verify: ok"
score="$(systemd-analyze security --offline=true "$work/twofoldd.service" 2>/dev/null \
  | sed -n 's/.*Overall exposure level for twofoldd.service: \([0-9.]*\).*/\1/p')"
if [ -z "$score" ]; then
  echo "error: no exposure score from systemd-analyze security"
  exit 1
fi
echo "systemd-analyze security: exposure $score (must be <= 2.0)"
awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }'
