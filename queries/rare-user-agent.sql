-- name: rare-user-agent
-- title: Rare user agents
-- detects: a user agent a source uses toward only one destination (implants rarely share the
--   browser's agent string; RITA adds +0.15 for this). The destination is the server the request
--   names (Host header, without port) and the address only when there is none: through a proxy
--   every request goes to the proxy's address, and counting addresses would make every agent rare.
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
WHERE (dt > :dt_from OR (dt = :dt_from AND "hour" >= :hour_from)) AND (dt < :dt_to OR (dt = :dt_to AND "hour" <= :hour_to))
  AND ts >= :ts_from AND ts < :ts_to
  AND (:hosts = '' OR contains(split(:hosts, ','), id_orig_h))
  AND id_resp_p NOT IN (4789, 6081)
  AND user_agent IS NOT NULL AND user_agent <> ''
GROUP BY id_orig_h, user_agent
HAVING count(DISTINCT coalesce(nullif(lower(split_part(host, ':', 1)), ''), id_resp_h)) = 1
ORDER BY requests DESC
LIMIT 200
