export interface IncidentFacts {
  incidentId: string;
  resourceCount: number;
  /** The execution's status, or undefined when Step Functions does not know it. */
  executionStatus?: string;
  executionStartedAt?: Date;
}

export interface SweepDecision {
  incidentId: string;
  action: 'delete' | 'keep';
  reason: string;
}

/**
 * Which incidents' resources are orphans. A running investigation keeps its resources, unless it
 * has run longer than the TTL (longer than the state machine's own timeout should allow);
 * everything else - finished, failed, aborted, timed out, unknown - is torn down. Resources
 * without an incident tag are not the sweeper's to judge (the standing fleet owns them).
 */
export function planSweep(incidents: IncidentFacts[], now: Date, ttlHours: number): SweepDecision[] {
  return incidents.map((incident) => {
    if (incident.executionStatus === 'RUNNING') {
      const ageHours = incident.executionStartedAt ? (now.getTime() - incident.executionStartedAt.getTime()) / 3_600_000 : 0;
      if (ageHours > ttlHours) {
        return { incidentId: incident.incidentId, action: 'delete', reason: `execution still RUNNING after ${ageHours.toFixed(1)} h, past the ${ttlHours} h TTL` };
      }
      return { incidentId: incident.incidentId, action: 'keep', reason: 'investigation in progress' };
    }
    const status = incident.executionStatus ?? 'unknown to Step Functions';
    return { incidentId: incident.incidentId, action: 'delete', reason: `execution is ${status}; ${incident.resourceCount} resource(s) outlived it` };
  });
}
