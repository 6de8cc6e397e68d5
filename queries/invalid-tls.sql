-- name: invalid-tls
-- title: Invalid or self-signed TLS certificates
-- detects: TLS sessions whose certificate chain Zeek could not validate (self-signed, unknown
--   issuer, expired), a common trait of C2 servers.
-- output: dst, server_name, validation_status, sources, connections, first_ts, last_ts
-- thresholds: any validation_status other than ok; one row per destination and status. "unable to get local
--   issuer certificate" towards a public address says the sensor has no CA store, not that the site is bad:
--   dropped in TypeScript; validity-date statuses are dropped when the capture's clock is relative
-- excludes: outer VXLAN/GENEVE flows (they never carry TLS; kept for uniformity)
SELECT
  id_resp_h AS dst,
  max(coalesce(server_name, '')) AS server_name,
  validation_status,
  array_join(array_agg(DISTINCT id_orig_h), ',') AS sources,
  count(*) AS connections,
  min(ts) AS first_ts,
  max(ts) AS last_ts
FROM ssl
WHERE (dt > :dt_from OR (dt = :dt_from AND "hour" >= :hour_from)) AND (dt < :dt_to OR (dt = :dt_to AND "hour" <= :hour_to))
  AND ts >= :ts_from AND ts < :ts_to
  AND (:hosts = '' OR contains(split(:hosts, ','), id_orig_h))
  AND id_resp_p NOT IN (4789, 6081)
  AND validation_status IS NOT NULL AND validation_status <> '' AND validation_status <> 'ok'
GROUP BY id_resp_h, validation_status
ORDER BY connections DESC
LIMIT 200
