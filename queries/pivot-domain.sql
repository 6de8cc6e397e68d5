-- name: pivot-domain
-- title: Finding pivot: lookups of and traffic to the finding's domains
-- detects: DNS queries, HTTP hosts and TLS server names equal to a domain GuardDuty named or
--   under the same registered domain (last two labels). pivot_domains holds each named domain and
--   its registered domain (the pack adds it), so both sides are compared reduced the same way.
--   A two-label approximation: under a shared suffix (co.uk, a cloud provider's domain) it casts wide.
-- output: log, src, name, dst, events, first_ts, last_ts
-- thresholds: any event; nothing when no pivot domain is given
-- excludes: outer VXLAN/GENEVE flows (they never carry these protocols; kept for uniformity)
WITH named AS (
  SELECT 'dns' AS log, id_orig_h AS src, lower(query) AS name, id_resp_h AS dst, ts
  FROM dns
  WHERE (dt > :dt_from OR (dt = :dt_from AND "hour" >= :hour_from)) AND (dt < :dt_to OR (dt = :dt_to AND "hour" <= :hour_to))
  AND ts >= :ts_from AND ts < :ts_to
  AND (:hosts = '' OR contains(split(:hosts, ','), id_orig_h))
    AND id_resp_p NOT IN (4789, 6081)
    AND :pivot_domains <> ''
    AND (contains(split(:pivot_domains, ','), lower(query)) OR contains(split(:pivot_domains, ','), regexp_extract(lower(query), '[^.]+\.[^.]+$')))
  UNION ALL
  SELECT 'http' AS log, id_orig_h AS src, lower(split_part(host, ':', 1)) AS name, id_resp_h AS dst, ts
  FROM http
  WHERE (dt > :dt_from OR (dt = :dt_from AND "hour" >= :hour_from)) AND (dt < :dt_to OR (dt = :dt_to AND "hour" <= :hour_to))
  AND ts >= :ts_from AND ts < :ts_to
  AND (:hosts = '' OR contains(split(:hosts, ','), id_orig_h))
    AND id_resp_p NOT IN (4789, 6081)
    AND :pivot_domains <> ''
    AND (contains(split(:pivot_domains, ','), lower(split_part(host, ':', 1))) OR contains(split(:pivot_domains, ','), regexp_extract(lower(split_part(host, ':', 1)), '[^.]+\.[^.]+$')))
  UNION ALL
  SELECT 'ssl' AS log, id_orig_h AS src, lower(server_name) AS name, id_resp_h AS dst, ts
  FROM ssl
  WHERE (dt > :dt_from OR (dt = :dt_from AND "hour" >= :hour_from)) AND (dt < :dt_to OR (dt = :dt_to AND "hour" <= :hour_to))
  AND ts >= :ts_from AND ts < :ts_to
  AND (:hosts = '' OR contains(split(:hosts, ','), id_orig_h))
    AND id_resp_p NOT IN (4789, 6081)
    AND :pivot_domains <> ''
    AND (contains(split(:pivot_domains, ','), lower(server_name)) OR contains(split(:pivot_domains, ','), regexp_extract(lower(server_name), '[^.]+\.[^.]+$')))
)
SELECT log, src, name, dst, count(*) AS events, min(ts) AS first_ts, max(ts) AS last_ts
FROM named
GROUP BY log, src, name, dst
ORDER BY events DESC
LIMIT 500
