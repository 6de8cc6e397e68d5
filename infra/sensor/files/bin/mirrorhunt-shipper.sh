#!/bin/bash
# ExecStart of mirrorhunt-shipper.service: the shipper's settings are the user data's env file
# plus what the bootstrap learned from IMDS.
set -euo pipefail
set -a
# shellcheck source=/dev/null
. "${MIRRORHUNT_ETC_DIR:-/etc/mirrorhunt}/sensor.env"
# shellcheck source=/dev/null
. "${MIRRORHUNT_RUN_DIR:-/run/mirrorhunt}/instance.env"
set +a
exec node /opt/mirrorhunt/shipper/shipper.js
