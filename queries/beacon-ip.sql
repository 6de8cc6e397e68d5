-- name: beacon-ip
-- title: Beacons by IP pair
-- detects: a source talking to one destination at regular intervals with regular sizes (C2 check-ins).
--   SQL narrows to candidate pairs and ships each pair's connections as one number per connection,
--   second * 1e6 + min(orig_ip_bytes, 999999) (unordered; decoded and sorted in TypeScript); the
--   RITA score (Bowley skew, MAD, 24-bin histogram, duration) is computed in TypeScript.
-- output: src, dst, ports, connections, established, first_ts, last_ts, total_bytes, beats
-- thresholds: >= 4 connections in SQL (RITA's >= 4 distinct seconds is checked in TypeScript, cheaper than count(DISTINCT)) and fewer than strobe_min connections per pair (RITA's 86,400 a day, prorated to the window in the capture mode, unprorated in the RITA-exact mode, as strobe.sql: a pair is a beacon candidate or a strobe, never both, never neither); score buckets 0.5/0.7/0.9/1.0
-- scope: the watched hosts (hosts) in either direction; internal/external scoping is applied to the grouped pairs in TypeScript
-- excludes: outer VXLAN (UDP 4789) and GENEVE (UDP 6081) flows of the mirror itself
SELECT * FROM (
  SELECT
    id_orig_h AS src,
    id_resp_h AS dst,
    array_join(array_agg(DISTINCT CAST(id_resp_p AS varchar)), ',') AS ports,
    count(*) AS connections,
    count_if(conn_state IN ('SF', 'S1', 'S2', 'S3', 'RSTO', 'RSTR') AND coalesce(orig_bytes, 0) > 0 AND coalesce(resp_bytes, 0) > 0) AS established,
    min(ts) AS first_ts,
    max(ts) AS last_ts,
    sum(coalesce(orig_bytes, 0) + coalesce(resp_bytes, 0)) AS total_bytes,
    array_join(array_agg(CAST(CAST(floor(ts) AS bigint) * 1000000 + least(coalesce(orig_ip_bytes, 0), 999999) AS varchar)), ',') AS beats
  FROM conn
  WHERE (dt > :dt_from OR (dt = :dt_from AND "hour" >= :hour_from)) AND (dt < :dt_to OR (dt = :dt_to AND "hour" <= :hour_to))
    AND ts >= :ts_from AND ts < :ts_to
    AND (:hosts = '' OR contains(split(:hosts, ','), id_orig_h) OR contains(split(:hosts, ','), id_resp_h))
    AND NOT (proto = 'udp' AND id_resp_p IN (4789, 6081))
    AND coalesce(service, '') NOT IN ('vxlan', 'geneve')
  GROUP BY id_orig_h, id_resp_h
  HAVING count(*) >= 4
) AS pairs
-- Athena takes ? parameters in WHERE clauses only: the strobe bound is applied out here, not in HAVING.
WHERE connections < :strobe_min
