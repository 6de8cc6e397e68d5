-- name: dns-tunnelling
-- title: DNS tunnelling (many subdomains of one domain)
-- detects: data or commands carried in query names: many distinct names under one registered
--   domain. The registered domain is approximated by the last two labels (no public suffix list).
-- params: dt_from, dt_from, hour_from, dt_to, dt_to, hour_to, ts_from, ts_to, hosts, hosts
-- output: domain, subdomains, queries, clients, example_query
-- thresholds: >= 100 distinct names; severity buckets 100 / 500 / 800 / 1000 (RITA); .arpa and .local excluded
-- excludes: outer VXLAN/GENEVE flows (they never carry DNS; kept for uniformity)
SELECT
  regexp_extract(lower(query), '[^.]+\.[^.]+$') AS domain,
  count(DISTINCT lower(query)) AS subdomains,
  count(*) AS queries,
  array_join(array_agg(DISTINCT id_orig_h), ',') AS clients,
  max(query) AS example_query
FROM dns
WHERE (dt > ? OR (dt = ? AND "hour" >= ?)) AND (dt < ? OR (dt = ? AND "hour" <= ?))
  AND ts >= ? AND ts < ?
  AND (? = '' OR contains(split(?, ','), id_orig_h))
  AND NOT (coalesce(proto, '') = 'udp' AND id_resp_p IN (4789, 6081))
  AND query IS NOT NULL AND query <> ''
  AND NOT (lower(query) LIKE '%.arpa' OR lower(query) LIKE '%.local')
GROUP BY regexp_extract(lower(query), '[^.]+\.[^.]+$')
HAVING count(DISTINCT lower(query)) >= 100
ORDER BY subdomains DESC
LIMIT 200
