-- name: invalid-tls
-- title: Invalid or self-signed TLS certificates
-- detects: TLS sessions whose certificate chain Zeek could not validate (self-signed, unknown
--   issuer, expired), a common trait of C2 servers.
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
WHERE (dt > :dt_from OR (dt = :dt_from AND "hour" >= :hour_from)) AND (dt < :dt_to OR (dt = :dt_to AND "hour" <= :hour_to))
  AND ts >= :ts_from AND ts < :ts_to
  AND (:hosts = '' OR contains(split(:hosts, ','), id_orig_h))
  AND id_resp_p NOT IN (4789, 6081)
  AND validation_status IS NOT NULL AND validation_status <> '' AND validation_status <> 'ok'
GROUP BY id_orig_h, id_resp_h, coalesce(server_name, ''), validation_status
ORDER BY connections DESC
LIMIT 200
