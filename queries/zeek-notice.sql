-- name: zeek-notice
-- title: Zeek's own notices
-- detects: what Zeek itself flagged (notice.log): SSH::Password_Guessing, Scan::*, SSL certificate
--   problems, protocols on unexpected ports, signature and intel hits; one row per note, source and
--   destination. How much each note weighs is data in pack.ts (NOTICE_SEVERITY).
-- output: note, src, dst, port, notices, example_msg, example_sub, first_ts, last_ts
-- thresholds: any notice
-- scope: the watched hosts as source or destination
-- excludes: nothing; certificate notices that only say the sensor lacks a CA store are dropped in TypeScript
SELECT
  note,
  coalesce(src, id_orig_h) AS src,
  coalesce(dst, id_resp_h, '') AS dst,
  min(coalesce(p, id_resp_p)) AS port,
  count(*) AS notices,
  min(msg) AS example_msg,
  min(sub) AS example_sub,
  min(ts) AS first_ts,
  max(ts) AS last_ts
FROM notice
WHERE (dt > :dt_from OR (dt = :dt_from AND "hour" >= :hour_from)) AND (dt < :dt_to OR (dt = :dt_to AND "hour" <= :hour_to))
  AND ts >= :ts_from AND ts < :ts_to
  AND (:hosts = '' OR contains(split(:hosts, ','), coalesce(src, id_orig_h)) OR contains(split(:hosts, ','), coalesce(dst, id_resp_h)))
  AND note IS NOT NULL
GROUP BY note, coalesce(src, id_orig_h), coalesce(dst, id_resp_h, '')
ORDER BY notices DESC
LIMIT 500
