-- name: http-no-host
-- title: HTTP without a Host header
-- detects: HTTP/1.x requests with no Host header, which browsers and ordinary libraries always send.
-- params: dt_from, dt_from, hour_from, dt_to, dt_to, hour_to, ts_from, ts_to, hosts, hosts
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
WHERE (dt > ? OR (dt = ? AND "hour" >= ?)) AND (dt < ? OR (dt = ? AND "hour" <= ?))
  AND ts >= ? AND ts < ?
  AND (? = '' OR contains(split(?, ','), id_orig_h))
  AND id_resp_p NOT IN (4789, 6081)
  AND (host IS NULL OR host = '')
  AND method IS NOT NULL
GROUP BY id_orig_h, id_resp_h, id_resp_p
ORDER BY requests DESC
LIMIT 200
