-- name: exfiltration
-- title: Exfiltration volume
-- detects: an internal host uploading to one external address: at least 10 MiB, and more than it
--   received (a download with its requests never qualifies, however large).
--   Internal/external = RFC 1918, CGNAT, loopback, link-local and IPv6 ULA/link-local ranges.
-- output: src, dst, ports, connections, bytes_out, bytes_in, first_ts, last_ts
-- thresholds: >= 10 MiB sent and bytes sent > bytes received, per pair in the window
-- excludes: outer VXLAN/GENEVE flows
SELECT
  id_orig_h AS src,
  id_resp_h AS dst,
  array_join(array_agg(DISTINCT CAST(id_resp_p AS varchar)), ',') AS ports,
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
  AND regexp_like(id_orig_h, '^(10\.|192\.168\.|172\.(1[6-9]|2[0-9]|3[01])\.|127\.|169\.254\.|100\.(6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7])\.|fe80:|fc|fd|::1$)')
  AND NOT regexp_like(id_resp_h, '^(10\.|192\.168\.|172\.(1[6-9]|2[0-9]|3[01])\.|127\.|169\.254\.|100\.(6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7])\.|fe80:|fc|fd|::1$)')
GROUP BY id_orig_h, id_resp_h
HAVING sum(coalesce(orig_bytes, 0)) >= 10485760
  AND sum(coalesce(orig_bytes, 0)) > sum(coalesce(resp_bytes, 0))
ORDER BY bytes_out DESC
LIMIT 200
