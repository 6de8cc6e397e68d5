import type { AuthCheck } from './ec2/operation';
import { fail } from './support';

type Input = Record<string, unknown>;

/** SSM Parameter Store, the part the product reads (String parameters by name). A simulation. */
export class SimulatedSsm {
  private readonly parameters = new Map<string, { value: string; version: number }>();

  putParameter(name: string, value: string): void {
    const previous = this.parameters.get(name);
    this.parameters.set(name, { value, version: (previous?.version ?? 0) + 1 });
  }

  /** ssm:GetParameter on `arn:aws:ssm:<region>:<account>:parameter/<name without its leading slash>`. */
  authorization(operation: string, input: Input, region: string, accountId: string): AuthCheck[] {
    if (operation !== 'GetParameter') return [];
    const name = String(input.Name ?? '').replace(/^\//, '');
    return [{ action: 'ssm:GetParameter', resources: [{ type: 'parameter', arn: `arn:aws:ssm:${region}:${accountId}:parameter/${name}` }] }];
  }

  handle(operation: string, input: Input): Record<string, unknown> {
    if (operation !== 'GetParameter') return fail('InvalidAction', `the local SSM simulation does not implement ${operation}`);
    const name = String(input.Name ?? '');
    const parameter = this.parameters.get(name);
    if (!parameter) return fail('ParameterNotFound', `Parameter ${name} not found.`);
    return { Parameter: { Name: name, Type: 'String', Value: parameter.value, Version: parameter.version } };
  }
}

export interface PublishedMessage {
  TopicArn: string;
  Subject?: string;
  Message: string;
  MessageId: string;
}

/** SNS topics that keep what was published to them, for the demo and tests to read. A simulation. */
export class SimulatedSns {
  private readonly topics = new Map<string, PublishedMessage[]>();
  private counter = 0;

  constructor(private readonly region: string, private readonly accountId: string) {}

  createTopic(name: string): string {
    const arn = `arn:aws:sns:${this.region}:${this.accountId}:${name}`;
    if (!this.topics.has(arn)) this.topics.set(arn, []);
    return arn;
  }

  messages(topicArn?: string): PublishedMessage[] {
    return [...this.topics.entries()].filter(([arn]) => !topicArn || arn === topicArn).flatMap(([, list]) => list);
  }

  authorization(operation: string, input: Input): AuthCheck[] {
    return operation === 'Publish' ? [{ action: 'sns:Publish', resources: [{ type: 'topic', arn: String(input.TopicArn ?? '') }] }] : [];
  }

  handle(operation: string, input: Input): Record<string, unknown> {
    if (operation !== 'Publish') return fail('InvalidAction', `the local SNS simulation does not implement ${operation}`);
    const arn = String(input.TopicArn ?? '');
    const list = this.topics.get(arn);
    if (!list) return fail('NotFoundException', `Topic does not exist: ${arn}`, 404);
    const message = input.Message;
    if (typeof message !== 'string' || message.length === 0) return fail('InvalidParameterException', 'Invalid parameter: Message is required');
    if (Buffer.byteLength(message) > 256 * 1024) fail('InvalidParameterException', 'Invalid parameter: Message too long (at most 256 KiB)');
    const subject = input.Subject;
    if (subject !== undefined && (typeof subject !== 'string' || subject.length > 100 || /[\r\n]/.test(subject))) {
      fail('InvalidParameterException', 'Invalid parameter: Subject must be at most 100 characters on one line');
    }
    this.counter += 1;
    const MessageId = `00000000-0000-4000-8000-${String(this.counter).padStart(12, '0')}`;
    list.push({ TopicArn: arn, Subject: subject as string | undefined, Message: message, MessageId });
    return { MessageId };
  }
}
