#!/bin/bash
# ExecStartPost of mirrorhunt-zeek.service: waits until Zeek holds its packet socket, then
# raises the flag the shipper turns into ready.json (and the fleet health check answers 200).
# Usage: mirrorhunt-ready.sh ZEEK_PID [TIMEOUT_SECONDS]
set -euo pipefail

pid="${1:?zeek pid}"
timeout="${2:-60}"
state_dir="${MIRRORHUNT_SPOOL_DIR:-/var/spool/mirrorhunt}/state"
proc="${MIRRORHUNT_PROC:-/proc}"

# True when one of the process's descriptors is an AF_PACKET socket, i.e. libpcap has opened
# the interface; being active in systemd only means the binary started.
holds_packet_socket() {
  local fd target inode
  for fd in "$proc/$pid"/fd/*; do
    target="$(readlink "$fd" 2>/dev/null)" || continue
    [[ "$target" =~ ^socket:\[([0-9]+)\]$ ]] || continue
    inode="${BASH_REMATCH[1]}"
    if awk -v inode="$inode" 'NR > 1 && $9 == inode { found = 1 } END { exit !found }' "$proc/net/packet"; then
      return 0
    fi
  done
  return 1
}

for ((waited = 0; waited < timeout; waited++)); do
  if holds_packet_socket; then
    mkdir -p "$state_dir"
    printf '{"startedAt":"%s"}\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$state_dir/capturing.json.tmp"
    mv -f "$state_dir/capturing.json.tmp" "$state_dir/capturing.json"
    exit 0
  fi
  sleep 1
done
echo "zeek (pid $pid) did not open a capture socket within ${timeout}s" >&2
exit 1
