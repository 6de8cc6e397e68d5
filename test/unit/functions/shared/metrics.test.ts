import { powertoolsCount } from '../../../../functions/shared/metrics';

describe('powertoolsCount', () => {
  it('writes one CloudWatch Embedded Metric Format record per count, with its Outcome dimension, under the mirrorhunt namespace', () => {
    // Prepare: Powertools writes the record to stdout, where Lambda's log picks it up
    const written: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });

    // Act
    try {
      powertoolsCount('ReconcileActions', 'done', 3);
    } finally {
      spy.mockRestore();
    }

    // Assess
    const records = written.join('').split('\n').filter((l) => l.includes('_aws')).map((l) => JSON.parse(l) as Record<string, unknown> & { _aws: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }> } });
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ Outcome: 'done', ReconcileActions: 3 });
    expect(records[0]?._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'mirrorhunt', Metrics: [{ Name: 'ReconcileActions', Unit: 'Count' }] });
    expect(records[0]?._aws.CloudWatchMetrics[0]?.Dimensions[0]).toContain('Outcome');
  });
});
