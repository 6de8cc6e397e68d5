-- name: port-scan
-- title: Port scans
-- detects: one source probing many ports of one host (vertical) or one port set across many
--   hosts (horizontal), one row per scanner. Probes are connection attempts; the half-open tails
--   of long sessions (SH, SHR, OTH, RSTOS0: Zeek saw only the end of a connection it missed the
--   start of) are not probes and are not counted.
-- output: src, hosts, max_ports_per_host, top_dst, failed_hosts, probes, failed_probes, established, bytes, first_ts, last_ts
-- thresholds: >= 50 distinct ports on one host, or >= 50 hosts whose every probe failed (S0, REJ, RSTR without data)
-- scope: the watched hosts in either direction (a scanner of a watched host is reported)
-- excludes: outer VXLAN/GENEVE flows; SH, SHR, OTH, RSTOS0 tails
WITH per_host AS (
  SELECT
    id_orig_h AS src,
    id_resp_h AS dst,
    count(DISTINCT id_resp_p) AS ports,
    count(*) AS probes,
    count_if(conn_state IN ('S0', 'REJ') OR (conn_state IN ('RSTR', 'RSTO') AND coalesce(orig_bytes, 0) = 0)) AS failed,
    count_if(conn_state IN ('SF', 'S1', 'S2', 'S3', 'RSTO', 'RSTR') AND coalesce(orig_bytes, 0) > 0 AND coalesce(resp_bytes, 0) > 0) AS established,
    sum(coalesce(orig_bytes, 0) + coalesce(resp_bytes, 0)) AS bytes,
    min(ts) AS first_ts,
    max(ts) AS last_ts
  FROM conn
  WHERE (dt > :dt_from OR (dt = :dt_from AND "hour" >= :hour_from)) AND (dt < :dt_to OR (dt = :dt_to AND "hour" <= :hour_to))
    AND ts >= :ts_from AND ts < :ts_to
    AND (:hosts = '' OR contains(split(:hosts, ','), id_orig_h) OR contains(split(:hosts, ','), id_resp_h))
    AND NOT (proto = 'udp' AND id_resp_p IN (4789, 6081))
    AND coalesce(service, '') NOT IN ('vxlan', 'geneve')
    AND proto IN ('tcp', 'udp')
    AND coalesce(conn_state, '') NOT IN ('SH', 'SHR', 'OTH', 'RSTOS0')
  GROUP BY id_orig_h, id_resp_h
)
SELECT
  src,
  count(*) AS hosts,
  max(ports) AS max_ports_per_host,
  max_by(dst, ports) AS top_dst,
  count_if(failed = probes) AS failed_hosts,
  sum(probes) AS probes,
  sum(failed) AS failed_probes,
  sum(established) AS established,
  sum(bytes) AS bytes,
  min(first_ts) AS first_ts,
  max(last_ts) AS last_ts
FROM per_host
GROUP BY src
HAVING max(ports) >= 50 OR count_if(failed = probes) >= 50
ORDER BY max_ports_per_host DESC, failed_hosts DESC, src
LIMIT 200
