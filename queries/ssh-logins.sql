-- name: ssh-logins
-- title: SSH brute force and logins
-- detects: many failed SSH logins from one source to one server (brute force), whether one
--   finally succeeded, and who logged in. Zeek infers success from the session (ssh.log
--   auth_success); attempts per session are in auth_attempts.
-- output: src, dst, sessions, attempts, failures, successes, first_success_ts, first_ts, last_ts
-- thresholds: a row per (source, server) with a success or >= 10 failed sessions; brute force >= 10 failures
-- scope: the watched hosts as client or server
-- excludes: nothing
SELECT
  id_orig_h AS src,
  id_resp_h AS dst,
  count(*) AS sessions,
  sum(coalesce(auth_attempts, 0)) AS attempts,
  count_if(auth_success = false) AS failures,
  count_if(auth_success = true) AS successes,
  min(CASE WHEN auth_success = true THEN ts END) AS first_success_ts,
  min(ts) AS first_ts,
  max(ts) AS last_ts
FROM ssh
WHERE (dt > :dt_from OR (dt = :dt_from AND "hour" >= :hour_from)) AND (dt < :dt_to OR (dt = :dt_to AND "hour" <= :hour_to))
  AND ts >= :ts_from AND ts < :ts_to
  AND (:hosts = '' OR contains(split(:hosts, ','), id_orig_h) OR contains(split(:hosts, ','), id_resp_h))
GROUP BY id_orig_h, id_resp_h
HAVING count_if(auth_success = true) > 0 OR count_if(auth_success = false) >= 10
ORDER BY failures DESC, successes DESC
LIMIT 500
