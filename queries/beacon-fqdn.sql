-- name: beacon-fqdn
-- title: Beacons by SNI / HTTP host (also through a proxy)
-- detects: regular check-ins to one server name, however many IPs serve it; an HTTP CONNECT or
--   plain request through a proxy names the real host, so proxied beacons are caught too.
--   Sizes come from conn.log (orig_ip_bytes) joined on uid; scoring is done in TypeScript.
-- params: dt_from, dt_from, hour_from, dt_to, dt_to, hour_to, ts_from, ts_to, hosts, hosts, dt_from, dt_from, hour_from, dt_to, dt_to, hour_to, ts_from, ts_to, hosts, hosts, dt_from, dt_from, hour_from, dt_to, dt_to, hour_to, ts_from, ts_to, strobe_min
-- output: src, fqdn, dsts, connections, first_ts, last_ts, total_bytes, beats
-- thresholds: >= 4 connections in SQL (RITA's >= 4 distinct seconds is checked in TypeScript) and fewer than strobe_min connections per (src, fqdn) (RITA's 86,400 a day, prorated to the window, as strobe.sql); buckets 0.5/0.7/0.9/1.0
-- excludes: outer VXLAN/GENEVE flows (joined conn rows are filtered like every conn hunt)
WITH named AS (
  SELECT uid, id_orig_h AS src, lower(server_name) AS fqdn
  FROM ssl
  WHERE (dt > ? OR (dt = ? AND "hour" >= ?)) AND (dt < ? OR (dt = ? AND "hour" <= ?))
  AND ts >= ? AND ts < ?
  AND (? = '' OR contains(split(?, ','), id_orig_h))
    AND server_name IS NOT NULL AND server_name <> ''
  UNION
  SELECT uid, id_orig_h AS src, lower(split_part(host, ':', 1)) AS fqdn
  FROM http
  WHERE (dt > ? OR (dt = ? AND "hour" >= ?)) AND (dt < ? OR (dt = ? AND "hour" <= ?))
  AND ts >= ? AND ts < ?
  AND (? = '' OR contains(split(?, ','), id_orig_h))
    AND host IS NOT NULL AND host <> ''
)
SELECT
  n.src AS src,
  n.fqdn AS fqdn,
  array_join(array_agg(DISTINCT c.id_resp_h), ',') AS dsts,
  count(*) AS connections,
  min(c.ts) AS first_ts,
  max(c.ts) AS last_ts,
  sum(coalesce(c.orig_bytes, 0) + coalesce(c.resp_bytes, 0)) AS total_bytes,
  array_join(array_agg(CAST(CAST(floor(c.ts) AS bigint) * 1000000 + least(coalesce(c.orig_ip_bytes, 0), 999999) AS varchar)), ',') AS beats
FROM named n
JOIN conn c ON c.uid = n.uid
WHERE (c.dt > ? OR (c.dt = ? AND c."hour" >= ?)) AND (c.dt < ? OR (c.dt = ? AND c."hour" <= ?))
  AND c.ts >= ? AND c.ts < ?
  AND NOT (c.proto = 'udp' AND c.id_resp_p IN (4789, 6081))
  AND coalesce(c.service, '') NOT IN ('vxlan', 'geneve')
GROUP BY n.src, n.fqdn
HAVING count(*) >= 4 AND count(*) < ?
