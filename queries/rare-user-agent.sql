-- name: rare-user-agent
-- title: Rare user agents
-- detects: a user agent a source uses toward only one destination (implants rarely share the
--   browser's agent string; RITA adds +0.15 for this). The destination is the server the request
--   names (Host header, without port) and the address only when there is none: through a proxy
--   every request goes to the proxy's address, and counting addresses would make every agent rare.
-- params: dt_from, dt_from, hour_from, dt_to, dt_to, hour_to, ts_from, ts_to, hosts, hosts
-- output: src, user_agent, dst (an address it went to), host (the one destination), requests, first_ts, last_ts
-- thresholds: exactly one destination (host, else address) for the (source, user agent) pair
-- excludes: outer VXLAN/GENEVE flows (they never carry HTTP; kept for uniformity)
SELECT
  id_orig_h AS src,
  user_agent,
  min(id_resp_h) AS dst,
  min(coalesce(nullif(lower(split_part(host, ':', 1)), ''), id_resp_h)) AS host,
  count(*) AS requests,
  min(ts) AS first_ts,
  max(ts) AS last_ts
FROM http
WHERE (dt > ? OR (dt = ? AND "hour" >= ?)) AND (dt < ? OR (dt = ? AND "hour" <= ?))
  AND ts >= ? AND ts < ?
  AND (? = '' OR contains(split(?, ','), id_orig_h))
  AND id_resp_p NOT IN (4789, 6081)
  AND user_agent IS NOT NULL AND user_agent <> ''
GROUP BY id_orig_h, user_agent
HAVING count(DISTINCT coalesce(nullif(lower(split_part(host, ':', 1)), ''), id_resp_h)) = 1
ORDER BY requests DESC
LIMIT 200
