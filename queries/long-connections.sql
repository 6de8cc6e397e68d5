-- name: long-connections
-- title: Long connections
-- detects: pairs whose connections add up to hours (interactive shells, tunnels, persistent C2),
--   closed (conn) or still open at capture end (open_conn snapshots, the latest per uid, for
--   connections conn.log does not hold yet): a long connection comes out the same either way.
--   One row per pair and server name (TLS SNI or HTTP Host as sent, '' for connections without
--   one): RITA keys a named connection by that name, and its RITA-exact final score needs the split.
-- output: src, dst, name, ports, connections, open_connections, total_duration, longest_duration, total_bytes, spans (per name; pair_duration for the pair)
-- thresholds: summed duration >= long_min_seconds (RITA's 3600 s unless asked otherwise); the 500 longest pairs, 50 names each; severity buckets 3600 / 14400 / 28800 / 43200 s (RITA)
-- scope: the watched hosts in either direction; internal/external scoping in TypeScript
-- excludes: outer VXLAN/GENEVE flows (each mirrored ENI would otherwise be the longest connection)
WITH closed AS (
  SELECT uid, ts, id_orig_h, id_resp_h, id_resp_p, duration, orig_bytes, resp_bytes
  FROM conn
  WHERE (dt > :dt_from OR (dt = :dt_from AND "hour" >= :hour_from)) AND (dt < :dt_to OR (dt = :dt_to AND "hour" <= :hour_to))
    AND ts >= :ts_from AND ts < :ts_to
    AND (:hosts = '' OR contains(split(:hosts, ','), id_orig_h) OR contains(split(:hosts, ','), id_resp_h))
    AND NOT (proto = 'udp' AND id_resp_p IN (4789, 6081))
    AND coalesce(service, '') NOT IN ('vxlan', 'geneve')
    AND duration IS NOT NULL
),
still_open AS (
  SELECT uid, min(ts) AS ts, id_orig_h, id_resp_h, id_resp_p, max(duration) AS duration, max(orig_bytes) AS orig_bytes, max(resp_bytes) AS resp_bytes
  FROM open_conn
  WHERE (dt > :dt_from OR (dt = :dt_from AND "hour" >= :hour_from)) AND (dt < :dt_to OR (dt = :dt_to AND "hour" <= :hour_to))
    AND ts >= :ts_from AND ts < :ts_to
    AND (:hosts = '' OR contains(split(:hosts, ','), id_orig_h) OR contains(split(:hosts, ','), id_resp_h))
    AND NOT (proto = 'udp' AND id_resp_p IN (4789, 6081))
    AND coalesce(service, '') NOT IN ('vxlan', 'geneve')
    AND duration IS NOT NULL
  GROUP BY uid, id_orig_h, id_resp_h, id_resp_p
),
-- The closed records of connections that were also snapshotted open: looked up from the few open
-- uids into conn (not the other way round, which would hash every closed uid), and from conn
-- itself rather than `closed`, which DuckDB would then materialize for its second reader.
closed_again AS (
  SELECT DISTINCT uid FROM conn
  WHERE (dt > :dt_from OR (dt = :dt_from AND "hour" >= :hour_from)) AND (dt < :dt_to OR (dt = :dt_to AND "hour" <= :hour_to))
    AND ts >= :ts_from AND ts < :ts_to
    AND uid IN (SELECT uid FROM still_open)
),
merged AS (
  SELECT uid, ts, id_orig_h, id_resp_h, id_resp_p, duration, orig_bytes, resp_bytes, 0 AS open FROM closed
  UNION ALL
  SELECT uid, ts, id_orig_h, id_resp_h, id_resp_p, duration, orig_bytes, resp_bytes, 1 AS open FROM still_open o
  WHERE uid NOT IN (SELECT uid FROM closed_again)
),
long_pairs AS (
  SELECT * FROM (
    SELECT id_orig_h, id_resp_h, sum(duration) AS pair_duration,
      -- The 500 longest pairs are reported; ranked here so a pair counts once whatever its names.
      rank() OVER (ORDER BY sum(duration) DESC, id_orig_h, id_resp_h) AS pair_rank
    FROM merged GROUP BY id_orig_h, id_resp_h
  ) AS totals
  -- Athena takes ? parameters in WHERE clauses only: the duration bound is applied here, not in HAVING.
  WHERE pair_duration >= :long_min_seconds AND pair_rank <= 500
),
long_conns AS (
  SELECT m.uid, m.ts, m.id_orig_h, m.id_resp_h, m.id_resp_p, m.duration, m.orig_bytes, m.resp_bytes, m.open, l.pair_duration
  FROM merged m
  JOIN long_pairs l ON m.id_orig_h = l.id_orig_h AND m.id_resp_h = l.id_resp_h
),
-- The server names of the long pairs' connections, by uid (closed and still-open records alike).
names AS (
  SELECT uid, max(name) AS name FROM (
    SELECT uid, server_name AS name FROM ssl
    WHERE (dt > :dt_from OR (dt = :dt_from AND "hour" >= :hour_from)) AND (dt < :dt_to OR (dt = :dt_to AND "hour" <= :hour_to))
      AND ts >= :ts_from AND ts < :ts_to AND coalesce(server_name, '') <> ''
    UNION ALL
    SELECT uid, server_name AS name FROM open_ssl
    WHERE (dt > :dt_from OR (dt = :dt_from AND "hour" >= :hour_from)) AND (dt < :dt_to OR (dt = :dt_to AND "hour" <= :hour_to))
      AND ts >= :ts_from AND ts < :ts_to AND coalesce(server_name, '') <> ''
    UNION ALL
    SELECT uid, host AS name FROM http
    WHERE (dt > :dt_from OR (dt = :dt_from AND "hour" >= :hour_from)) AND (dt < :dt_to OR (dt = :dt_to AND "hour" <= :hour_to))
      AND ts >= :ts_from AND ts < :ts_to AND coalesce(host, '') <> ''
    UNION ALL
    SELECT uid, host AS name FROM open_http
    WHERE (dt > :dt_from OR (dt = :dt_from AND "hour" >= :hour_from)) AND (dt < :dt_to OR (dt = :dt_to AND "hour" <= :hour_to))
      AND ts >= :ts_from AND ts < :ts_to AND coalesce(host, '') <> ''
  ) AS named
  WHERE uid IN (SELECT uid FROM long_conns)
  GROUP BY uid
),
named_conns AS (
  SELECT c.*, coalesce(n.name, '') AS name
  FROM long_conns c
  LEFT JOIN names n ON n.uid = c.uid
),
-- At most 50 names per pair (a proxy, or made-up names, can carry thousands); the rest are
-- counted with the unnamed connections, so the pair's totals and time connected stay whole.
kept_names AS (
  SELECT * FROM (
    SELECT id_orig_h, id_resp_h, name, row_number() OVER (PARTITION BY id_orig_h, id_resp_h ORDER BY sum(duration) DESC, name) AS name_rank
    FROM named_conns
    WHERE name <> ''
    GROUP BY id_orig_h, id_resp_h, name
  ) AS ranked
  WHERE name_rank <= 50
)
SELECT
  c.id_orig_h AS src,
  c.id_resp_h AS dst,
  coalesce(k.name, '') AS name,
  max(c.pair_duration) AS pair_duration,
  array_join(array_agg(DISTINCT CAST(c.id_resp_p AS varchar)), ',') AS ports,
  count(*) AS connections,
  sum(c.open) AS open_connections,
  sum(c.duration) AS total_duration,
  max(c.duration) AS longest_duration,
  sum(coalesce(c.orig_bytes, 0) + coalesce(c.resp_bytes, 0)) AS total_bytes,
  -- Each connection as "start+seconds", whole seconds: TypeScript takes the union (time with a
  -- session open), which summed durations overstate when connections overlap.
  array_join(array_agg(CAST(CAST(floor(c.ts) AS bigint) AS varchar) || '+' || CAST(CAST(ceil(c.duration) AS bigint) AS varchar)), ',') AS spans
FROM named_conns c
LEFT JOIN kept_names k ON k.id_orig_h = c.id_orig_h AND k.id_resp_h = c.id_resp_h AND k.name = c.name
GROUP BY c.id_orig_h, c.id_resp_h, coalesce(k.name, '')
ORDER BY pair_duration DESC, src, dst, name
