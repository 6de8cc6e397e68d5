-- name: prevalence
-- title: Destination prevalence (a modifier, not a hunt)
-- detects: nothing by itself. Closed and still-open connections (conn, open_conn) count alike. For RITA's prevalence modifier: every source seen in the window
--   (row_kind = 'host'; the internal ones are the network) and, for the destinations of the
--   ranked pairs (dsts), which sources contacted them (row_kind = 'pair'). Run after the hunts.
-- output: row_kind, src, dst
-- thresholds: none (RITA: <= 2% of internal hosts +0.15, >= 50% -0.15, applied in TypeScript)
-- scope: every source; internal/external is decided in TypeScript
-- excludes: outer VXLAN/GENEVE flows
WITH seen AS (
  SELECT id_orig_h, id_resp_h
  FROM conn
  WHERE (dt > :dt_from OR (dt = :dt_from AND "hour" >= :hour_from)) AND (dt < :dt_to OR (dt = :dt_to AND "hour" <= :hour_to))
    AND ts >= :ts_from AND ts < :ts_to
    AND NOT (proto = 'udp' AND id_resp_p IN (4789, 6081))
  UNION ALL
  SELECT id_orig_h, id_resp_h
  FROM open_conn
  WHERE (dt > :dt_from OR (dt = :dt_from AND "hour" >= :hour_from)) AND (dt < :dt_to OR (dt = :dt_to AND "hour" <= :hour_to))
    AND ts >= :ts_from AND ts < :ts_to
    AND NOT (proto = 'udp' AND id_resp_p IN (4789, 6081))
)
SELECT 'host' AS row_kind, id_orig_h AS src, '' AS dst
FROM seen
GROUP BY id_orig_h
UNION ALL
SELECT 'pair' AS row_kind, id_orig_h AS src, id_resp_h AS dst
FROM seen
WHERE :dsts <> ''
  AND contains(split(:dsts, ','), id_resp_h)
GROUP BY id_orig_h, id_resp_h
