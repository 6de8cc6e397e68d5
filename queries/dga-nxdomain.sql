-- name: dga-nxdomain
-- title: DGA-like NXDOMAIN bursts
-- detects: a host asking for many names that do not exist (domain generation algorithms).
-- output: src, nxdomain_names, names, nxdomain_answers, queries, nxdomain_ratio, example_query
-- thresholds: >= 25 distinct NXDOMAIN names and >= 30% of the host's distinct names (a share of
--   queries lets retries of a few good names hide a DGA: 113 NXDOMAIN names were 45% of the names, 18% of the queries)
-- excludes: service-discovery lookups (DNS-SD `_service._tcp` / `_udp` labels), .local and .arpa names; outer VXLAN/GENEVE flows (they never carry DNS; kept for uniformity)
SELECT
  id_orig_h AS src,
  count(DISTINCT CASE WHEN rcode_name = 'NXDOMAIN' THEN lower(query) END) AS nxdomain_names,
  count(DISTINCT lower(query)) AS names,
  count_if(rcode_name = 'NXDOMAIN') AS nxdomain_answers,
  count(*) AS queries,
  CAST(count(DISTINCT CASE WHEN rcode_name = 'NXDOMAIN' THEN lower(query) END) AS double) / count(DISTINCT lower(query)) AS nxdomain_ratio,
  max(CASE WHEN rcode_name = 'NXDOMAIN' THEN query END) AS example_query
FROM dns
WHERE (dt > :dt_from OR (dt = :dt_from AND "hour" >= :hour_from)) AND (dt < :dt_to OR (dt = :dt_to AND "hour" <= :hour_to))
  AND ts >= :ts_from AND ts < :ts_to
  AND (:hosts = '' OR contains(split(:hosts, ','), id_orig_h))
  AND NOT (coalesce(proto, '') = 'udp' AND id_resp_p IN (4789, 6081))
  AND query IS NOT NULL AND query <> ''
  AND NOT regexp_like(lower(query), '(^|\.)_[a-z0-9-]+\._(tcp|udp)(\.|$)')
  AND NOT (lower(query) LIKE '%.local' OR lower(query) LIKE '%.arpa')
GROUP BY id_orig_h
HAVING count(DISTINCT CASE WHEN rcode_name = 'NXDOMAIN' THEN lower(query) END) >= 25
  AND CAST(count(DISTINCT CASE WHEN rcode_name = 'NXDOMAIN' THEN lower(query) END) AS double) / count(DISTINCT lower(query)) >= 0.3
ORDER BY nxdomain_names DESC
LIMIT 200
