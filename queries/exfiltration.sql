-- name: exfiltration
-- title: Exfiltration volume
-- detects: an internal host sending a lot more data out to one external address than usual.
--   Internal/external = RFC 1918, CGNAT, loopback, link-local and IPv6 ULA/link-local ranges.
-- params: dt_from, dt_from, hour_from, dt_to, dt_to, hour_to, ts_from, ts_to, hosts, hosts
-- output: src, dst, ports, connections, bytes_out, bytes_in, first_ts, last_ts
-- thresholds: >= 50 MiB sent from the internal host to the external address in the window
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
WHERE (dt > ? OR (dt = ? AND "hour" >= ?)) AND (dt < ? OR (dt = ? AND "hour" <= ?))
  AND ts >= ? AND ts < ?
  AND (? = '' OR contains(split(?, ','), id_orig_h))
  AND NOT (proto = 'udp' AND id_resp_p IN (4789, 6081))
  AND coalesce(service, '') NOT IN ('vxlan', 'geneve')
  AND regexp_like(id_orig_h, '^(10\.|192\.168\.|172\.(1[6-9]|2[0-9]|3[01])\.|127\.|169\.254\.|100\.(6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7])\.|fe80:|fc|fd|::1$)')
  AND NOT regexp_like(id_resp_h, '^(10\.|192\.168\.|172\.(1[6-9]|2[0-9]|3[01])\.|127\.|169\.254\.|100\.(6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7])\.|fe80:|fc|fd|::1$)')
GROUP BY id_orig_h, id_resp_h
HAVING sum(coalesce(orig_bytes, 0)) >= 52428800
ORDER BY bytes_out DESC
LIMIT 200
