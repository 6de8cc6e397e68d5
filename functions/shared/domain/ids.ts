import { createHash } from 'node:crypto';

/**
 * Deterministic idempotency token for an EC2 create call: the same incident asking for the same
 * thing again (a Lambda retry, a replayed state) gets the same resource back instead of a second
 * one. EC2 accepts up to 64 ASCII characters.
 */
export function clientToken(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 64);
}

/**
 * The VXLAN network identifier for an incident's sessions, derived from its id so the sensor's
 * logs can be matched to the incident. Range 1..16777215 (0 avoided so it is never confused
 * with an unset value).
 */
export function vniForIncident(incidentId: string): number {
  const digest = createHash('sha256').update(incidentId).digest();
  return (digest.readUInt32BE(0) % 16777215) + 1;
}
