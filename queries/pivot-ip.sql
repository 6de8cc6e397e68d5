-- name: pivot-ip
-- title: Finding pivot: traffic with the finding's remote IPs
-- detects: everything the watched hosts exchanged with the IPs GuardDuty named, either direction.
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
WHERE (dt > :dt_from OR (dt = :dt_from AND "hour" >= :hour_from)) AND (dt < :dt_to OR (dt = :dt_to AND "hour" <= :hour_to))
  AND ts >= :ts_from AND ts < :ts_to
  AND (:hosts = '' OR contains(split(:hosts, ','), id_orig_h) OR contains(split(:hosts, ','), id_resp_h))
  AND NOT (proto = 'udp' AND id_resp_p IN (4789, 6081))
  AND coalesce(service, '') NOT IN ('vxlan', 'geneve')
  AND :pivot_ips <> ''
  AND (contains(split(:pivot_ips, ','), id_resp_h) OR contains(split(:pivot_ips, ','), id_orig_h))
GROUP BY id_orig_h, id_resp_h, id_resp_p, proto, coalesce(service, '')
ORDER BY connections DESC
LIMIT 500
