-- name: strobe
-- title: Strobes
-- detects: pairs connecting so often that they are not beacons but floods (RITA: >= 86400 per 24 h).
-- params: dt_from, dt_from, hour_from, dt_to, dt_to, hour_to, ts_from, ts_to, hosts, hosts, strobe_min
-- output: src, dst, ports, connections, first_ts, last_ts, total_bytes
-- thresholds: strobe_min = 86400 connections prorated to the window (one per second on average)
-- excludes: outer VXLAN/GENEVE flows
SELECT
  id_orig_h AS src,
  id_resp_h AS dst,
  array_join(array_agg(DISTINCT CAST(id_resp_p AS varchar)), ',') AS ports,
  count(*) AS connections,
  min(ts) AS first_ts,
  max(ts) AS last_ts,
  sum(coalesce(orig_bytes, 0) + coalesce(resp_bytes, 0)) AS total_bytes
FROM conn
WHERE (dt > ? OR (dt = ? AND "hour" >= ?)) AND (dt < ? OR (dt = ? AND "hour" <= ?))
  AND ts >= ? AND ts < ?
  AND (? = '' OR contains(split(?, ','), id_orig_h))
  AND NOT (proto = 'udp' AND id_resp_p IN (4789, 6081))
  AND coalesce(service, '') NOT IN ('vxlan', 'geneve')
GROUP BY id_orig_h, id_resp_h
HAVING count(*) >= ?
ORDER BY connections DESC
LIMIT 500
