-- name: beacon-fqdn
-- title: Beacons by SNI / HTTP host (also through a proxy)
-- detects: regular check-ins to one server name, however many IPs serve it; an HTTP CONNECT or
--   plain request through a proxy names the real host, so proxied beacons are caught too.
--   Times and sizes come from conn.log (ts, orig_ip_bytes) joined on uid; a capture with http.log
--   or ssl.log but no conn.log is scored on the request's own time and body size instead. Scoring
--   is done in TypeScript.
-- output: src, fqdn, dsts, connections, first_ts, last_ts, total_bytes, beats
-- thresholds: >= 4 connections in SQL (RITA's >= 4 distinct seconds is checked in TypeScript) and fewer than strobe_min connections per (src, fqdn) (RITA's 86,400 a day, prorated to the window in the capture mode, as strobe.sql; unprorated in the RITA-exact mode); buckets 0.5/0.7/0.9/1.0
-- scope: sources among the watched hosts; RITA's SNI rule (internal source) is applied in TypeScript
-- excludes: outer VXLAN/GENEVE flows (joined conn rows are filtered like every conn hunt)
WITH requests AS (
  SELECT uid, id_orig_h AS src, id_resp_h AS dst, lower(server_name) AS fqdn, ts, 0 AS size
  FROM ssl
  WHERE (dt > :dt_from OR (dt = :dt_from AND "hour" >= :hour_from)) AND (dt < :dt_to OR (dt = :dt_to AND "hour" <= :hour_to))
    AND ts >= :ts_from AND ts < :ts_to
    AND (:hosts = '' OR contains(split(:hosts, ','), id_orig_h))
    AND server_name IS NOT NULL AND server_name <> ''
  UNION ALL
  SELECT uid, id_orig_h AS src, id_resp_h AS dst, lower(split_part(host, ':', 1)) AS fqdn, ts, coalesce(request_body_len, 0) AS size
  FROM http
  WHERE (dt > :dt_from OR (dt = :dt_from AND "hour" >= :hour_from)) AND (dt < :dt_to OR (dt = :dt_to AND "hour" <= :hour_to))
    AND ts >= :ts_from AND ts < :ts_to
    AND (:hosts = '' OR contains(split(:hosts, ','), id_orig_h))
    AND host IS NOT NULL AND host <> ''
),
named AS (
  SELECT uid, src, fqdn, min(dst) AS dst, min(ts) AS ts, sum(size) AS size
  FROM requests
  GROUP BY uid, src, fqdn
),
conns AS (
  SELECT uid, id_resp_h, ts, orig_bytes, resp_bytes, orig_ip_bytes
  FROM conn
  WHERE (dt > :dt_from OR (dt = :dt_from AND "hour" >= :hour_from)) AND (dt < :dt_to OR (dt = :dt_to AND "hour" <= :hour_to))
    AND ts >= :ts_from AND ts < :ts_to
    AND NOT (proto = 'udp' AND id_resp_p IN (4789, 6081))
    AND coalesce(service, '') NOT IN ('vxlan', 'geneve')
)
SELECT * FROM (
  SELECT
    n.src AS src,
    n.fqdn AS fqdn,
    array_join(array_agg(DISTINCT coalesce(c.id_resp_h, n.dst)), ',') AS dsts,
    count(*) AS connections,
    count(c.uid) AS with_conn,
    min(coalesce(c.ts, n.ts)) AS first_ts,
    max(coalesce(c.ts, n.ts)) AS last_ts,
    sum(coalesce(c.orig_bytes, n.size, 0) + coalesce(c.resp_bytes, 0)) AS total_bytes,
    array_join(array_agg(CAST(CAST(floor(coalesce(c.ts, n.ts)) AS bigint) * 1000000 + least(coalesce(c.orig_ip_bytes, n.size, 0), 999999) AS varchar)), ',') AS beats
  FROM named n
  LEFT JOIN conns c ON c.uid = n.uid
  GROUP BY n.src, n.fqdn
  HAVING count(*) >= 4
) AS pairs
-- Athena takes ? parameters in WHERE clauses only: the strobe bound is applied out here, not in HAVING.
WHERE connections < :strobe_min
