-- name: port-scan
-- title: Port scans
-- detects: one source trying many ports on one destination, mostly without a completed handshake.
-- params: dt_from, dt_from, hour_from, dt_to, dt_to, hour_to, ts_from, ts_to, hosts, hosts
-- output: src, dst, distinct_ports, connections, failed_connections, first_ts, last_ts
-- thresholds: >= 50 distinct destination ports per pair
-- excludes: outer VXLAN/GENEVE flows
SELECT
  id_orig_h AS src,
  id_resp_h AS dst,
  count(DISTINCT id_resp_p) AS distinct_ports,
  count(*) AS connections,
  count_if(conn_state IN ('S0', 'REJ', 'RSTOS0', 'RSTR', 'SH', 'OTH')) AS failed_connections,
  min(ts) AS first_ts,
  max(ts) AS last_ts
FROM conn
WHERE (dt > ? OR (dt = ? AND "hour" >= ?)) AND (dt < ? OR (dt = ? AND "hour" <= ?))
  AND ts >= ? AND ts < ?
  AND (? = '' OR contains(split(?, ','), id_orig_h))
  AND NOT (proto = 'udp' AND id_resp_p IN (4789, 6081))
  AND coalesce(service, '') NOT IN ('vxlan', 'geneve')
GROUP BY id_orig_h, id_resp_h
HAVING count(DISTINCT id_resp_p) >= 50
ORDER BY distinct_ports DESC
LIMIT 200
