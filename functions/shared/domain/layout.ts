/** Where things live in the log bucket. The sensor role and each function's IAM policy are scoped to these prefixes. */
export const SENSOR_LOG_PREFIX = 'zeek/';
export const SENSOR_STATUS_PREFIX = 'sensor-status/';
export const REPORT_PREFIX = 'reports/';

export const sensorReadyKey = (instanceId: string): string => `${SENSOR_STATUS_PREFIX}${instanceId}/ready.json`;
export const reportKeys = (incidentId: string) => ({
  json: `${REPORT_PREFIX}${incidentId}/report.json`,
  markdown: `${REPORT_PREFIX}${incidentId}/report.md`,
  html: `${REPORT_PREFIX}${incidentId}/report.html`,
  relatedPrefix: `${REPORT_PREFIX}${incidentId}/related-findings/`,
});
