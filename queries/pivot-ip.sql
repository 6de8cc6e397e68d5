-- name: pivot-ip
-- title: Finding pivot: traffic with the finding's remote IPs
-- detects: everything the watched hosts exchanged with the IPs GuardDuty named, either direction.
-- params: dt_from, dt_from, hour_from, dt_to, dt_to, hour_to, ts_from, ts_to, hosts, hosts, pivot_ips, pivot_ips, pivot_ips
-- output: src, dst, port, proto, service, connections, bytes_out, bytes_in, total_duration, first_ts, last_ts
-- thresholds: any connection; nothing when no pivot IP is given
-- excludes: outer VXLAN/GENEVE flows
SELECT
  id_orig_h AS src,
  id_resp_h AS dst,
  id_resp_p AS port,
  proto,
  coalesce(service, '') AS service,
  count(*) AS connections,
  sum(coalesce(orig_bytes, 0)) AS bytes_out,
  sum(coalesce(resp_bytes, 0)) AS bytes_in,
  sum(coalesce(duration, 0)) AS total_duration,
  min(ts) AS first_ts,
  max(ts) AS last_ts
FROM conn
WHERE (dt > ? OR (dt = ? AND "hour" >= ?)) AND (dt < ? OR (dt = ? AND "hour" <= ?))
  AND ts >= ? AND ts < ?
  AND (? = '' OR contains(split(?, ','), id_orig_h))
  AND NOT (proto = 'udp' AND id_resp_p IN (4789, 6081))
  AND coalesce(service, '') NOT IN ('vxlan', 'geneve')
  AND ? <> ''
  AND (contains(split(?, ','), id_resp_h) OR contains(split(?, ','), id_orig_h))
GROUP BY id_orig_h, id_resp_h, id_resp_p, proto, coalesce(service, '')
ORDER BY connections DESC
LIMIT 500
