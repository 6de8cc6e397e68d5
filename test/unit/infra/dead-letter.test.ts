import { packagedTemplate, resourcesOfType, type CfnResource, type CfnTemplate } from '../../support/template';
import { grants, roleStatements } from '../../support/iam-statements';

/** Services that invoke Lambda asynchronously: a failure after Lambda's retries is lost unless a destination catches it. */
const ASYNC_INVOKERS = ['events.amazonaws.com', 'sns.amazonaws.com', 's3.amazonaws.com', 'scheduler.amazonaws.com'];

let template: CfnTemplate;
beforeAll(async () => {
  template = await packagedTemplate();
});

const getAtt = (value: unknown): [string, string] | undefined => {
  const att = (value as { 'Fn::GetAtt'?: unknown } | undefined)?.['Fn::GetAtt'];
  return Array.isArray(att) ? [String(att[0]), String(att[1])] : undefined;
};
const refOf = (value: unknown): string | undefined => (value as { Ref?: string } | undefined)?.Ref;

/** Functions some AWS service invokes asynchronously: by their invoke permission or as a rule target. */
function asyncFunctions(): string[] {
  const found = new Set<string>();
  for (const [, permission] of resourcesOfType(template, 'AWS::Lambda::Permission')) {
    if (ASYNC_INVOKERS.includes(String(permission.Properties?.Principal))) found.add(getAtt(permission.Properties?.FunctionName)?.[0] ?? JSON.stringify(permission.Properties?.FunctionName));
  }
  for (const [, rule] of resourcesOfType(template, 'AWS::Events::Rule')) {
    for (const target of (rule.Properties?.Targets as Array<{ Arn: unknown }> | undefined) ?? []) {
      const fn = getAtt(target.Arn)?.[0];
      if (fn && template.Resources[fn]?.Type === 'AWS::Lambda::Function') found.add(fn);
    }
  }
  return [...found].sort();
}

function alarmsOn(queue: string): Array<[string, CfnResource]> {
  return resourcesOfType(template, 'AWS::CloudWatch::Alarm').filter(([, a]) =>
    ((a.Properties?.Dimensions as Array<{ Name: string; Value: unknown }> | undefined) ?? []).some((d) => d.Name === 'QueueName' && getAtt(d.Value)?.join('.') === `${queue}.QueueName`),
  );
}

describe('dead-letter queues for asynchronous invocations', () => {
  it('finds the functions EventBridge rules and schedules invoke', () => {
    expect(asyncFunctions()).toEqual(expect.arrayContaining(['StartInvestigationLambdaFunction', 'CleanUpExecutionLambdaFunction', 'SweepOrphansLambdaFunction']));
  });

  it('send every asynchronously invoked function that keeps failing to an encrypted SQS queue that keeps messages 14 days', () => {
    for (const fn of asyncFunctions()) {
      // Act
      const config = resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig').find(([, c]) => refOf(c.Properties?.FunctionName) === fn)?.[1];
      const destination = getAtt((config?.Properties?.DestinationConfig as { OnFailure?: { Destination?: unknown } } | undefined)?.OnFailure?.Destination);
      const queue = destination ? template.Resources[destination[0]] : undefined;

      // Assess
      expect({ fn, queueType: queue?.Type, attribute: destination?.[1] }).toEqual({ fn, queueType: 'AWS::SQS::Queue', attribute: 'Arn' });
      expect({ fn, properties: queue?.Properties }).toEqual({ fn, properties: expect.objectContaining({ MessageRetentionPeriod: 1209600, SqsManagedSseEnabled: true }) });
    }
  });

  it('let each function send to its own dead-letter queue (destinations use the function role)', () => {
    const statements = roleStatements(template).filter((s) => s.statement.Effect === 'Allow');
    for (const fn of asyncFunctions()) {
      // Prepare
      const role = getAtt(template.Resources[fn]?.Properties?.Role)?.[0];
      const config = resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig').find(([, c]) => refOf(c.Properties?.FunctionName) === fn)?.[1];
      const queue = getAtt((config?.Properties?.DestinationConfig as { OnFailure?: { Destination?: unknown } } | undefined)?.OnFailure?.Destination)?.[0];

      // Act
      const sendable = statements.filter((s) => s.role === role && grants(s, 'sqs:SendMessage')).flatMap((s) => s.resources);

      // Assess
      expect({ fn, sendable }).toEqual({ fn, sendable: [`GetAtt:${queue}.Arn`] });
    }
  });

  it('raise an alarm, sent to a topic CloudWatch can publish to, as soon as one message waits in any dead-letter queue', () => {
    const queues = new Set(
      resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig')
        .map(([, c]) => getAtt((c.Properties?.DestinationConfig as { OnFailure?: { Destination?: unknown } } | undefined)?.OnFailure?.Destination)?.[0])
        .filter((q): q is string => !!q),
    );
    expect(queues.size).toBeGreaterThanOrEqual(3);
    for (const queue of queues) {
      // Act
      const alarms = alarmsOn(queue);

      // Assess
      expect({ queue, alarms: alarms.length }).toEqual({ queue, alarms: 1 });
      const alarm = alarms[0]![1].Properties!;
      expect({ queue, alarm }).toEqual({
        queue,
        alarm: expect.objectContaining({
          Namespace: 'AWS/SQS',
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Statistic: 'Maximum',
          ComparisonOperator: 'GreaterThanThreshold',
          Threshold: 0,
          EvaluationPeriods: 1,
          TreatMissingData: 'notBreaching',
        }),
      });
      const topics = ((alarm.AlarmActions as unknown[] | undefined) ?? []).map(refOf);
      expect({ queue, topics: topics.length > 0 }).toEqual({ queue, topics: true });
      for (const topic of topics) {
        expect(template.Resources[topic ?? '']?.Type).toBe('AWS::SNS::Topic');
        // The AWS managed SNS key's policy does not let CloudWatch publish: the alarm would be silent.
        expect(template.Resources[topic ?? '']?.Properties?.KmsMasterKeyId).not.toBe('alias/aws/sns');
      }
    }
  });
});
