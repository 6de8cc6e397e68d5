-- name: exfiltration
-- title: Exfiltration volume
-- detects: an internal host uploading to one external address: at least 10 MiB, and more than it
--   received (a download with its requests never qualifies, however large).
--   Internal/external is the scope's (scope.ts, RITA's internal subnets), applied in TypeScript to
--   the few pairs that pass the volume bound: cheaper than two regular expressions per connection.
-- output: src, dst, lowest_port, highest_port, approx_ports, connections, bytes_out, bytes_in, first_ts, last_ts
-- thresholds: >= 10 MiB sent and bytes sent > bytes received, per pair in the window
-- excludes: outer VXLAN/GENEVE flows
SELECT
  id_orig_h AS src,
  id_resp_h AS dst,
  min(id_resp_p) AS lowest_port,
  max(id_resp_p) AS highest_port,
  approx_distinct(id_resp_p) AS approx_ports,
  count(*) AS connections,
  sum(coalesce(orig_bytes, 0)) AS bytes_out,
  sum(coalesce(resp_bytes, 0)) AS bytes_in,
  min(ts) AS first_ts,
  max(ts) AS last_ts
FROM conn
WHERE (dt > :dt_from OR (dt = :dt_from AND "hour" >= :hour_from)) AND (dt < :dt_to OR (dt = :dt_to AND "hour" <= :hour_to))
  AND ts >= :ts_from AND ts < :ts_to
  AND (:hosts = '' OR contains(split(:hosts, ','), id_orig_h) OR contains(split(:hosts, ','), id_resp_h))
  AND NOT (proto = 'udp' AND id_resp_p IN (4789, 6081))
  AND coalesce(service, '') NOT IN ('vxlan', 'geneve')
GROUP BY id_orig_h, id_resp_h
HAVING sum(coalesce(orig_bytes, 0)) >= 10485760
  AND sum(coalesce(orig_bytes, 0)) > sum(coalesce(resp_bytes, 0))
ORDER BY bytes_out DESC
LIMIT 200
