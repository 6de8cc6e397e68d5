-- name: rare-user-agent
-- title: Rare user agents
-- detects: a user agent a source uses toward only one destination (implants rarely share the
--   browser's agent string; RITA adds +0.15 for this).
-- params: dt_from, dt_to, ts_from, ts_to, hosts, hosts
-- output: src, user_agent, dst, host, requests, first_ts, last_ts
-- thresholds: exactly one destination for the (source, user agent) pair
-- excludes: outer VXLAN/GENEVE flows (they never carry HTTP; kept for uniformity)
SELECT
  id_orig_h AS src,
  user_agent,
  min(id_resp_h) AS dst,
  min(host) AS host,
  count(*) AS requests,
  min(ts) AS first_ts,
  max(ts) AS last_ts
FROM http
WHERE dt BETWEEN ? AND ?
  AND ts >= ? AND ts < ?
  AND (? = '' OR contains(split(?, ','), id_orig_h))
  AND id_resp_p NOT IN (4789, 6081)
  AND user_agent IS NOT NULL AND user_agent <> ''
GROUP BY id_orig_h, user_agent
HAVING count(DISTINCT id_resp_h) = 1
ORDER BY requests DESC
LIMIT 200
