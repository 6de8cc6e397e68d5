-- name: rare-ja3
-- title: Rare JA3 client fingerprints
-- detects: a TLS client fingerprint a source uses toward only one destination (a tool of its own
--   rather than the system's TLS stack). Needs the ja3 package on the sensor; empty otherwise.
--   The destination is the server name (SNI) and the address only without one: through a proxy
--   (CONNECT) every session goes to the proxy's address.
-- output: src, ja3, dst (an address it went to), server_name (the one destination), connections, first_ts, last_ts
-- thresholds: exactly one destination (server name, else address) for the (source, ja3) pair
-- excludes: outer VXLAN/GENEVE flows (they never carry TLS; kept for uniformity)
SELECT
  id_orig_h AS src,
  ja3,
  min(id_resp_h) AS dst,
  min(coalesce(nullif(lower(server_name), ''), id_resp_h)) AS server_name,
  count(*) AS connections,
  min(ts) AS first_ts,
  max(ts) AS last_ts
FROM ssl
WHERE (dt > :dt_from OR (dt = :dt_from AND "hour" >= :hour_from)) AND (dt < :dt_to OR (dt = :dt_to AND "hour" <= :hour_to))
  AND ts >= :ts_from AND ts < :ts_to
  AND (:hosts = '' OR contains(split(:hosts, ','), id_orig_h))
  AND id_resp_p NOT IN (4789, 6081)
  AND ja3 IS NOT NULL AND ja3 <> ''
GROUP BY id_orig_h, ja3
HAVING count(DISTINCT coalesce(nullif(lower(server_name), ''), id_resp_h)) = 1
ORDER BY connections DESC
LIMIT 200
