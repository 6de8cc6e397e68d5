#!/bin/bash
# ExecStart of mirrorhunt-bootstrap.service (started by the user data, and at every later boot):
# reads the settings the workflow passed, learns the instance's identity from IMDSv2, prepares
# the capture interface, writes Zeek's policy and the spool, then starts capture.
set -euo pipefail

etc_dir="${MIRRORHUNT_ETC_DIR:-/etc/mirrorhunt}"
run_dir="${MIRRORHUNT_RUN_DIR:-/run/mirrorhunt}"
spool_dir="${MIRRORHUNT_SPOOL_DIR:-/var/spool/mirrorhunt}"
bin_dir="${MIRRORHUNT_BIN_DIR:-/opt/mirrorhunt/bin}"
service_user="${MIRRORHUNT_SERVICE_USER:-mirrorhunt}"
imds="${MIRRORHUNT_IMDS:-http://169.254.169.254}"

# shellcheck source=/dev/null
. "$etc_dir/sensor.env"
for name in MIRRORHUNT_INCIDENT_ID MIRRORHUNT_BUCKET MIRRORHUNT_PREFIX MIRRORHUNT_VNI MIRRORHUNT_ROTATE_SECONDS MIRRORHUNT_MODE MIRRORHUNT_STATUS_PREFIX; do
  if [[ -z "${!name:-}" ]]; then
    echo "missing $name in $etc_dir/sensor.env" >&2
    exit 64
  fi
done

# IMDSv2 only: the image and the launch both refuse v1, so every call carries a session token.
token="$(curl -fsS --retry 10 --retry-connrefused --max-time 5 -X PUT \
  -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' "$imds/latest/api/token")"
metadata() {
  curl -fsS --retry 10 --retry-connrefused --max-time 5 -H "X-aws-ec2-metadata-token: $token" "$imds/latest/meta-data/$1"
}
instance_id="$(metadata instance-id)"
region="$(metadata placement/region)"
if ! [[ "$instance_id" =~ ^i-[0-9a-f]{8,17}$ && "$region" =~ ^[a-z0-9-]{1,32}$ ]]; then
  echo "unexpected instance identity from IMDS: '$instance_id' '$region'" >&2
  exit 65
fi

# Mirrored traffic arrives on the primary interface: the one carrying the default route.
iface="$(ip -o -4 route show default | awk '{ print $5; exit }')"
if ! [[ "$iface" =~ ^[A-Za-z0-9._-]{1,15}$ ]]; then
  echo "no usable default route interface ('$iface'), cannot tell the capture interface" >&2
  exit 65
fi

install -d -m 0755 "$run_dir"
cat > "$run_dir/instance.env.tmp" <<ENV
MIRRORHUNT_INSTANCE_ID='$instance_id'
AWS_REGION='$region'
MIRRORHUNT_INTERFACE='$iface'
MIRRORHUNT_SPOOL_DIR='$spool_dir'
ENV
mv -f "$run_dir/instance.env.tmp" "$run_dir/instance.env"

"$bin_dir/mirrorhunt-nic.sh" "$iface"

install -d -m 0755 "$etc_dir/zeek"
"$bin_dir/mirrorhunt-zeek-config.sh" "$MIRRORHUNT_ROTATE_SECONDS" "$spool_dir" > "$etc_dir/zeek/mirrorhunt.zeek.tmp"
mv -f "$etc_dir/zeek/mirrorhunt.zeek.tmp" "$etc_dir/zeek/mirrorhunt.zeek"

# current/ is Zeek's working directory (open logs), rotated/ its rotation target, outbox/ and
# state/ the shipper's. One filesystem, so Zeek's rotation and the shipper's renames are atomic.
for dir in current rotated outbox state; do
  install -d -m 0750 "$spool_dir/$dir"
done
chown -R "$service_user:$service_user" "$spool_dir"

# Zeek is ordered after the shipper, so systemd stops Zeek first at shutdown and the shipper's
# final flush sees Zeek's last rotation. --no-block: this unit must finish before they start.
systemctl start --no-block mirrorhunt-zeek.service
