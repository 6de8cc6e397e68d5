-- name: dga-nxdomain
-- title: DGA-like NXDOMAIN bursts
-- detects: a host asking for many names that do not exist (domain generation algorithms).
-- params: dt_from, dt_from, hour_from, dt_to, dt_to, hour_to, ts_from, ts_to, hosts, hosts
-- output: src, nxdomain_names, nxdomain_answers, queries, nxdomain_ratio, example_query
-- thresholds: >= 25 distinct NXDOMAIN names and >= 30% of the host's queries
-- excludes: outer VXLAN/GENEVE flows (they never carry DNS; kept for uniformity)
SELECT
  id_orig_h AS src,
  count(DISTINCT CASE WHEN rcode_name = 'NXDOMAIN' THEN lower(query) END) AS nxdomain_names,
  count_if(rcode_name = 'NXDOMAIN') AS nxdomain_answers,
  count(*) AS queries,
  CAST(count_if(rcode_name = 'NXDOMAIN') AS double) / count(*) AS nxdomain_ratio,
  max(CASE WHEN rcode_name = 'NXDOMAIN' THEN query END) AS example_query
FROM dns
WHERE (dt > ? OR (dt = ? AND "hour" >= ?)) AND (dt < ? OR (dt = ? AND "hour" <= ?))
  AND ts >= ? AND ts < ?
  AND (? = '' OR contains(split(?, ','), id_orig_h))
  AND NOT (coalesce(proto, '') = 'udp' AND id_resp_p IN (4789, 6081))
GROUP BY id_orig_h
HAVING count(DISTINCT CASE WHEN rcode_name = 'NXDOMAIN' THEN lower(query) END) >= 25
  AND CAST(count_if(rcode_name = 'NXDOMAIN') AS double) / count(*) >= 0.3
ORDER BY nxdomain_names DESC
LIMIT 200
