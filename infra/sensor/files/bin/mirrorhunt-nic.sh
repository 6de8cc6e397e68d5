#!/bin/bash
# Prepares the capture interface of a traffic mirror target. Usage: mirrorhunt-nic.sh IFACE
set -euo pipefail

iface="${1:?interface}"
if ! [[ "$iface" =~ ^[A-Za-z0-9._-]{1,15}$ ]]; then
  echo "not an interface name: '$iface'" >&2
  exit 64
fi

# Jumbo MTU: VXLAN adds 54 bytes (IPv4) to every mirrored packet, and anything larger than the
# target's MTU is truncated. 9001 is the VPC maximum and what AWS advises for mirror targets.
ip link set dev "$iface" mtu 9001

# Receive offloads (GRO, LRO, hardware GRO) merge packets before libpcap sees them, so Zeek
# would analyse super-frames larger than any real packet and misjudge TCP state; segmentation
# offloads are turned off too so the sensor's own traffic looks like the wire. Not every ENA
# driver exposes every feature: turn each off on its own and carry on if one is missing.
for feature in gro lro rx-gro-hw gso tso; do
  ethtool -K "$iface" "$feature" off 2>/dev/null || echo "offload $feature not adjustable on $iface" >&2
done

# Nothing listens on UDP 4789: without this the kernel answers every mirrored packet with an
# ICMP port-unreachable towards the source. libpcap sees packets before netfilter, so
# dropping them here does not hide them from Zeek.
nft -f - <<NFT
table inet mirrorhunt
delete table inet mirrorhunt
table inet mirrorhunt {
  chain input {
    type filter hook input priority 0; policy accept;
    iifname "$iface" udp dport 4789 drop
  }
}
NFT
