import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';

/** What the fleet functions count, by outcome: ENIs an auto-mirror decision was made for, changes a reconcile run made. */
export type MetricName = 'EnisProcessed' | 'ReconcileActions';

/** One count with its `Outcome` dimension; tests and the local runner pass their own. */
export type CountMetric = (name: MetricName, outcome: string, count: number) => void;

let metrics: Metrics | undefined;

/**
 * Powertools Metrics writes CloudWatch Embedded Metric Format to the function's log, so the
 * counts need no PutMetricData call or permission. Each count is a single metric with its own
 * `Outcome` dimension (a dimension set applies to every metric flushed with it), flushed at once.
 * Imported only by the functions that count, so the others do not load it.
 */
export const powertoolsCount: CountMetric = (name, outcome, count) => {
  metrics ??= new Metrics({ namespace: 'mirrorhunt', serviceName: 'mirrorhunt' });
  const single = metrics.singleMetric();
  single.addDimension('Outcome', outcome);
  single.addMetric(name, MetricUnit.Count, count);
};
