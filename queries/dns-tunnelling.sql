-- name: dns-tunnelling
-- title: DNS tunnelling (many subdomains of one domain)
-- detects: data or commands carried in query names: many distinct names under one registered
--   domain. The registered domain is approximated by the last two labels (no public suffix list).
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
WHERE (dt > :dt_from OR (dt = :dt_from AND "hour" >= :hour_from)) AND (dt < :dt_to OR (dt = :dt_to AND "hour" <= :hour_to))
  AND ts >= :ts_from AND ts < :ts_to
  AND (:hosts = '' OR contains(split(:hosts, ','), id_orig_h))
  AND NOT (coalesce(proto, '') = 'udp' AND id_resp_p IN (4789, 6081))
  AND query IS NOT NULL AND query <> ''
  AND NOT (lower(query) LIKE '%.arpa' OR lower(query) LIKE '%.local')
GROUP BY regexp_extract(lower(query), '[^.]+\.[^.]+$')
HAVING count(DISTINCT lower(query)) >= 100
ORDER BY subdomains DESC
LIMIT 200
