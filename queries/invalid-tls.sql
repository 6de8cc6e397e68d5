-- name: invalid-tls
-- title: Invalid or self-signed TLS certificates
-- detects: TLS sessions whose certificate chain Zeek could not validate (self-signed, unknown
--   issuer, expired), a common trait of C2 servers.
-- params: dt_from, dt_from, hour_from, dt_to, dt_to, hour_to, ts_from, ts_to, hosts, hosts
-- output: src, dst, server_name, validation_status, connections, first_ts, last_ts
-- thresholds: any validation_status other than ok
-- excludes: outer VXLAN/GENEVE flows (they never carry TLS; kept for uniformity)
SELECT
  id_orig_h AS src,
  id_resp_h AS dst,
  coalesce(server_name, '') AS server_name,
  validation_status,
  count(*) AS connections,
  min(ts) AS first_ts,
  max(ts) AS last_ts
FROM ssl
WHERE (dt > ? OR (dt = ? AND "hour" >= ?)) AND (dt < ? OR (dt = ? AND "hour" <= ?))
  AND ts >= ? AND ts < ?
  AND (? = '' OR contains(split(?, ','), id_orig_h))
  AND id_resp_p NOT IN (4789, 6081)
  AND validation_status IS NOT NULL AND validation_status <> '' AND validation_status <> 'ok'
GROUP BY id_orig_h, id_resp_h, coalesce(server_name, ''), validation_status
ORDER BY connections DESC
LIMIT 200
