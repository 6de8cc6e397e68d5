-- name: rita-dataset
-- title: RITA's dataset and network (the RITA-exact mode only; not a hunt)
-- detects: nothing by itself. RITA scores beacons against its dataset: the in-scope connections'
--   first and last second (conn records, and proxy CONNECT requests, whose conn records RITA
--   filters out), the last 24 h at most; and its prevalence modifier against its network: the
--   internal hosts of in-scope pairs. Scope is CIDR matching, done in TypeScript, so this returns
--   each pair (with the requested host name for CONNECT requests) and TypeScript keeps those in scope.
-- output: src, dst, host, first_ts, last_ts
-- thresholds: none
-- scope: every pair; internal/external is decided in TypeScript
-- excludes: outer VXLAN (UDP 4789) and GENEVE (UDP 6081) flows of the mirror itself
SELECT id_orig_h AS src, id_resp_h AS dst, '' AS host, min(ts) AS first_ts, max(ts) AS last_ts
FROM conn
WHERE (dt > :dt_from OR (dt = :dt_from AND "hour" >= :hour_from)) AND (dt < :dt_to OR (dt = :dt_to AND "hour" <= :hour_to))
  AND ts >= :ts_from AND ts < :ts_to
  AND NOT (proto = 'udp' AND id_resp_p IN (4789, 6081))
GROUP BY id_orig_h, id_resp_h
UNION ALL
SELECT id_orig_h AS src, id_resp_h AS dst, lower(split_part(host, ':', 1)) AS host, min(ts) AS first_ts, max(ts) AS last_ts
FROM http
WHERE (dt > :dt_from OR (dt = :dt_from AND "hour" >= :hour_from)) AND (dt < :dt_to OR (dt = :dt_to AND "hour" <= :hour_to))
  AND ts >= :ts_from AND ts < :ts_to
  AND method = 'CONNECT'
GROUP BY id_orig_h, id_resp_h, lower(split_part(host, ':', 1))
