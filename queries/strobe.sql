-- name: strobe
-- title: Strobes
-- detects: pairs connecting so often that they are not beacons but floods (RITA: >= 86400 per 24 h).
-- output: src, dst, lowest_port, highest_port, approx_ports, connections, first_ts, last_ts, total_bytes
-- thresholds: strobe_min = 86400 connections, prorated to the window in the capture mode (one per second on average), as is in the RITA-exact mode
-- excludes: outer VXLAN/GENEVE flows
SELECT * FROM (
  SELECT
    id_orig_h AS src,
    id_resp_h AS dst,
    -- No list of ports: a strobe can touch thousands, and collecting them for every pair costs more than the hunt.
    min(id_resp_p) AS lowest_port,
    max(id_resp_p) AS highest_port,
    approx_distinct(id_resp_p) AS approx_ports,
    count(*) AS connections,
    min(ts) AS first_ts,
    max(ts) AS last_ts,
    sum(coalesce(orig_bytes, 0) + coalesce(resp_bytes, 0)) AS total_bytes
  FROM conn
  WHERE (dt > :dt_from OR (dt = :dt_from AND "hour" >= :hour_from)) AND (dt < :dt_to OR (dt = :dt_to AND "hour" <= :hour_to))
    AND ts >= :ts_from AND ts < :ts_to
    AND (:hosts = '' OR contains(split(:hosts, ','), id_orig_h) OR contains(split(:hosts, ','), id_resp_h))
    AND NOT (proto = 'udp' AND id_resp_p IN (4789, 6081))
    AND coalesce(service, '') NOT IN ('vxlan', 'geneve')
  GROUP BY id_orig_h, id_resp_h
  HAVING count(*) >= 100
) AS pairs
-- Athena takes ? parameters in WHERE clauses only: the prorated bound is applied out here. The
-- constant floor above is exact for any window of 100 s or more (the bound is one a second).
WHERE connections >= :strobe_min
ORDER BY connections DESC
LIMIT 500
