-- name: http-no-host
-- title: HTTP without a Host header
-- detects: HTTP/1.x requests with no Host header, which browsers and ordinary libraries always send.
-- output: src, dst, port, requests, example_uri, user_agent, first_ts, last_ts
-- thresholds: any request
-- excludes: outer VXLAN/GENEVE flows (they never carry HTTP; kept for uniformity)
SELECT
  id_orig_h AS src,
  id_resp_h AS dst,
  id_resp_p AS port,
  count(*) AS requests,
  min(uri) AS example_uri,
  min(user_agent) AS user_agent,
  min(ts) AS first_ts,
  max(ts) AS last_ts
FROM http
WHERE (dt > :dt_from OR (dt = :dt_from AND "hour" >= :hour_from)) AND (dt < :dt_to OR (dt = :dt_to AND "hour" <= :hour_to))
  AND ts >= :ts_from AND ts < :ts_to
  AND (:hosts = '' OR contains(split(:hosts, ','), id_orig_h))
  AND id_resp_p NOT IN (4789, 6081)
  AND (host IS NULL OR host = '')
  AND method IS NOT NULL
GROUP BY id_orig_h, id_resp_h, id_resp_p
ORDER BY requests DESC
LIMIT 200
