-- name: long-connections
-- title: Long connections
-- detects: pairs whose connections add up to hours (interactive shells, tunnels, persistent C2),
--   closed (conn) or still open at capture end (open_conn snapshots, the latest per uid, for
--   connections conn.log does not hold yet): a long connection comes out the same either way.
-- output: src, dst, ports, connections, open_connections, total_duration, longest_duration, total_bytes
-- thresholds: summed duration >= long_min_seconds (RITA's 3600 s unless asked otherwise); severity buckets 3600 / 14400 / 28800 / 43200 s (RITA)
-- scope: the watched hosts in either direction; internal/external scoping in TypeScript
-- excludes: outer VXLAN/GENEVE flows (each mirrored ENI would otherwise be the longest connection)
WITH closed AS (
  SELECT uid, id_orig_h, id_resp_h, id_resp_p, duration, orig_bytes, resp_bytes
  FROM conn
  WHERE (dt > :dt_from OR (dt = :dt_from AND "hour" >= :hour_from)) AND (dt < :dt_to OR (dt = :dt_to AND "hour" <= :hour_to))
    AND ts >= :ts_from AND ts < :ts_to
    AND (:hosts = '' OR contains(split(:hosts, ','), id_orig_h) OR contains(split(:hosts, ','), id_resp_h))
    AND NOT (proto = 'udp' AND id_resp_p IN (4789, 6081))
    AND coalesce(service, '') NOT IN ('vxlan', 'geneve')
    AND duration IS NOT NULL
),
still_open AS (
  SELECT uid, id_orig_h, id_resp_h, id_resp_p, max(duration) AS duration, max(orig_bytes) AS orig_bytes, max(resp_bytes) AS resp_bytes
  FROM open_conn
  WHERE (dt > :dt_from OR (dt = :dt_from AND "hour" >= :hour_from)) AND (dt < :dt_to OR (dt = :dt_to AND "hour" <= :hour_to))
    AND ts >= :ts_from AND ts < :ts_to
    AND (:hosts = '' OR contains(split(:hosts, ','), id_orig_h) OR contains(split(:hosts, ','), id_resp_h))
    AND NOT (proto = 'udp' AND id_resp_p IN (4789, 6081))
    AND coalesce(service, '') NOT IN ('vxlan', 'geneve')
    AND duration IS NOT NULL
  GROUP BY uid, id_orig_h, id_resp_h, id_resp_p
),
-- The closed records of connections that were also snapshotted open: looked up from the few open
-- uids into conn (not the other way round, which would hash every closed uid), and from conn
-- itself rather than `closed`, which DuckDB would then materialize for its second reader.
closed_again AS (
  SELECT DISTINCT uid FROM conn
  WHERE (dt > :dt_from OR (dt = :dt_from AND "hour" >= :hour_from)) AND (dt < :dt_to OR (dt = :dt_to AND "hour" <= :hour_to))
    AND ts >= :ts_from AND ts < :ts_to
    AND uid IN (SELECT uid FROM still_open)
),
merged AS (
  SELECT id_orig_h, id_resp_h, id_resp_p, duration, orig_bytes, resp_bytes, 0 AS open FROM closed
  UNION ALL
  SELECT id_orig_h, id_resp_h, id_resp_p, duration, orig_bytes, resp_bytes, 1 AS open FROM still_open o
  WHERE uid NOT IN (SELECT uid FROM closed_again)
)
SELECT * FROM (
SELECT
  id_orig_h AS src,
  id_resp_h AS dst,
  array_join(array_agg(DISTINCT CAST(id_resp_p AS varchar)), ',') AS ports,
  count(*) AS connections,
  sum(open) AS open_connections,
  sum(duration) AS total_duration,
  max(duration) AS longest_duration,
  sum(coalesce(orig_bytes, 0) + coalesce(resp_bytes, 0)) AS total_bytes
FROM merged
GROUP BY id_orig_h, id_resp_h
) AS pairs
-- Athena takes ? parameters in WHERE clauses only: the duration bound is applied out here.
WHERE total_duration >= :long_min_seconds
ORDER BY total_duration DESC, src, dst
LIMIT 500
