-- name: long-connections
-- title: Long connections
-- detects: pairs whose connections add up to hours (interactive shells, tunnels, persistent C2).
-- params: dt_from, dt_from, hour_from, dt_to, dt_to, hour_to, ts_from, ts_to, hosts, hosts
-- output: src, dst, ports, connections, total_duration, longest_duration, total_bytes
-- thresholds: summed duration >= 3600 s; severity buckets 3600 / 14400 / 28800 / 43200 s (RITA)
-- excludes: outer VXLAN/GENEVE flows (each mirrored ENI would otherwise be the longest connection)
SELECT
  id_orig_h AS src,
  id_resp_h AS dst,
  array_join(array_agg(DISTINCT CAST(id_resp_p AS varchar)), ',') AS ports,
  count(*) AS connections,
  sum(duration) AS total_duration,
  max(duration) AS longest_duration,
  sum(coalesce(orig_bytes, 0) + coalesce(resp_bytes, 0)) AS total_bytes
FROM conn
WHERE (dt > ? OR (dt = ? AND "hour" >= ?)) AND (dt < ? OR (dt = ? AND "hour" <= ?))
  AND ts >= ? AND ts < ?
  AND (? = '' OR contains(split(?, ','), id_orig_h))
  AND NOT (proto = 'udp' AND id_resp_p IN (4789, 6081))
  AND coalesce(service, '') NOT IN ('vxlan', 'geneve')
  AND duration IS NOT NULL
GROUP BY id_orig_h, id_resp_h
HAVING sum(duration) >= 3600
ORDER BY total_duration DESC
LIMIT 500
