import { EC2Client, EC2ServiceException } from '@aws-sdk/client-ec2';
import { S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { SNSClient, SNSServiceException } from '@aws-sdk/client-sns';
import { SSMClient, SSMServiceException } from '@aws-sdk/client-ssm';
import { SecurityHubClient, SecurityHubServiceException } from '@aws-sdk/client-securityhub';
import { SimClock } from './clock';
import { DEFAULT_EC2_QUOTAS, DEFAULT_EC2_TIMINGS, SimulatedEc2, type Ec2Quotas, type Ec2Timings } from './ec2';
import { FaultInjector } from './faults';
import { SimulatedSns, SimulatedSsm } from './messaging';
import { SimulatedS3 } from './s3';
import { SimulatedSecurityHub } from './securityhub';
import { IdFactory, SimFailure, type Tags } from './support';

export interface SimulatedAccountOptions {
  clock?: SimClock;
  /** The folder that holds the S3 buckets. */
  s3Root: string;
  region?: string;
  accountId?: string;
  quotas?: Partial<Ec2Quotas>;
  timings?: Partial<Ec2Timings>;
  /** Page size of EC2 Describe* answers when the caller sets none (AWS: up to 1000); small values exercise pagination. */
  ec2PageSize?: number;
}

export interface RecordedCall {
  index: number;
  service: 'ec2' | 's3' | 'ssm' | 'sns' | 'securityhub';
  operation: string;
  input: Record<string, unknown>;
  at: Date;
  /** The AWS error code the call ended with, if it failed. */
  error?: string;
  injected?: boolean;
}

export interface AccountResource {
  service: 'ec2';
  type: 'instance' | 'network-interface' | 'security-group' | 'mirror-target' | 'mirror-filter' | 'mirror-session' | 'vpc' | 'subnet';
  id: string;
  state?: string;
  tags: Tags;
}

type ExceptionClass = new (options: { name: string; $fault: 'client' | 'server'; $metadata: { httpStatusCode?: number; requestId?: string }; message: string }) => Error;

const EXCEPTIONS: Record<RecordedCall['service'], ExceptionClass> = {
  ec2: EC2ServiceException as unknown as ExceptionClass,
  s3: S3ServiceException as unknown as ExceptionClass,
  ssm: SSMServiceException as unknown as ExceptionClass,
  sns: SNSServiceException as unknown as ExceptionClass,
  securityhub: SecurityHubServiceException as unknown as ExceptionClass,
};

/**
 * One simulated AWS account and region, for running mirrorhunt's real handlers on a laptop and in
 * tests. `clients()` returns the real AWS SDK v3 clients; a middleware answers each command from
 * the simulation before anything is signed or sent, so no request ever leaves the process. Every
 * call is recorded (`calls`) and can be made to fail (`faults`). The SDK's own retries are off on
 * these clients so that an injected fault reaches the product's code, whose retries are what is
 * being tested. This is a simulation, not AWS: see local/aws-sim/README.md for what it models.
 */
export class SimulatedAccount {
  readonly clock: SimClock;
  readonly region: string;
  readonly accountId: string;
  readonly ec2: SimulatedEc2;
  readonly s3: SimulatedS3;
  readonly ssm = new SimulatedSsm();
  readonly sns: SimulatedSns;
  readonly securityHub: SimulatedSecurityHub;
  readonly faults = new FaultInjector();
  readonly calls: RecordedCall[] = [];
  private cached?: { ec2: EC2Client; s3: S3Client; ssm: SSMClient; sns: SNSClient };
  private cachedSecurityHub?: SecurityHubClient;

  constructor(options: SimulatedAccountOptions) {
    this.clock = options.clock ?? new SimClock();
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '000000000000';
    this.ec2 = new SimulatedEc2(this.clock, { ...DEFAULT_EC2_QUOTAS, ...options.quotas }, { ...DEFAULT_EC2_TIMINGS, ...options.timings }, {
      accountId: this.accountId,
      region: this.region,
      pageSize: options.ec2PageSize,
      ids: new IdFactory(),
    });
    this.s3 = new SimulatedS3(options.s3Root);
    this.sns = new SimulatedSns(this.region, this.accountId);
    this.securityHub = new SimulatedSecurityHub(this.region, this.accountId);
  }

  /** A Security Hub client answered by the simulation (its own getter, so clients() keeps its shape). */
  securityHubClient(): SecurityHubClient {
    this.cachedSecurityHub ??= this.wire(new SecurityHubClient({ region: this.region, credentials: { accessKeyId: 'SIMULATED', secretAccessKey: 'SIMULATED' }, maxAttempts: 1 }), 'securityhub');
    return this.cachedSecurityHub;
  }

  clients(): { ec2: EC2Client; s3: S3Client; ssm: SSMClient; sns: SNSClient } {
    if (!this.cached) {
      const common = { region: this.region, credentials: { accessKeyId: 'SIMULATED', secretAccessKey: 'SIMULATED' }, maxAttempts: 1 };
      this.cached = {
        ec2: this.wire(new EC2Client(common), 'ec2'),
        s3: this.wire(new S3Client({ ...common, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED' }), 's3'),
        ssm: this.wire(new SSMClient(common), 'ssm'),
        sns: this.wire(new SNSClient(common), 'sns'),
      };
    }
    return this.cached;
  }

  /** Everything in the account now: instances that are not yet terminated, ENIs, groups (not the VPC defaults), mirroring. */
  listResources(): AccountResource[] {
    const tagsOf = (tags: Array<{ Key?: string; Value?: string }> | undefined): Tags => Object.fromEntries((tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
    const out: AccountResource[] = [];
    for (const i of this.ec2.instances()) {
      if (i.State?.Name === 'terminated') continue;
      out.push({ service: 'ec2', type: 'instance', id: i.InstanceId ?? '', state: i.State?.Name, tags: tagsOf(i.Tags) });
    }
    for (const n of this.ec2.networkInterfaces()) out.push({ service: 'ec2', type: 'network-interface', id: n.NetworkInterfaceId ?? '', state: n.Status, tags: tagsOf(n.TagSet) });
    for (const g of this.ec2.securityGroups()) if (!g.isDefault) out.push({ service: 'ec2', type: 'security-group', id: g.GroupId ?? '', tags: tagsOf(g.Tags) });
    for (const t of this.ec2.targets()) out.push({ service: 'ec2', type: 'mirror-target', id: t.TrafficMirrorTargetId ?? '', tags: tagsOf(t.Tags) });
    for (const f of this.ec2.filters()) out.push({ service: 'ec2', type: 'mirror-filter', id: f.TrafficMirrorFilterId ?? '', tags: tagsOf(f.Tags) });
    for (const s of this.ec2.sessions()) out.push({ service: 'ec2', type: 'mirror-session', id: s.TrafficMirrorSessionId ?? '', tags: tagsOf(s.Tags) });
    return out;
  }

  private wire<C extends { middlewareStack: { add: (...args: never[]) => void } }>(client: C, service: RecordedCall['service']): C {
    const middleware = (_next: unknown, context: { commandName?: string }) => async (args: { input: Record<string, unknown> }) => {
      const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
      const output = await this.dispatch(service, operation, args.input);
      return { output: { ...output, $metadata: { httpStatusCode: 200, requestId: `sim-${this.calls.length}`, attempts: 1 } }, response: {} };
    };
    (client.middlewareStack.add as unknown as (mw: typeof middleware, options: { step: string; name: string; priority: string }) => void)(middleware, {
      step: 'initialize',
      name: 'mirrorhuntSimulatedAccount',
      priority: 'high',
    });
    return client;
  }

  private async dispatch(service: RecordedCall['service'], operation: string, input: Record<string, unknown>): Promise<Record<string, unknown>> {
    const call: RecordedCall = { index: this.calls.length, service, operation, input, at: this.clock.now() };
    this.calls.push(call);
    const fault = this.faults.check({ service, operation, index: call.index });
    if (fault?.when === 'before') throw this.toException(service, call, new SimFailure(fault.code, fault.message, fault.httpStatus), true);
    let output: Record<string, unknown>;
    try {
      if (service === 'ec2') output = this.ec2.handle(operation, input);
      else if (service === 's3') output = await this.s3.handle(operation, input);
      else if (service === 'ssm') output = this.ssm.handle(operation, input);
      else if (service === 'securityhub') output = this.securityHub.handle(operation, input);
      else output = this.sns.handle(operation, input);
    } catch (error) {
      if (error instanceof SimFailure) throw this.toException(service, call, error, false);
      throw error;
    }
    if (fault?.when === 'after') throw this.toException(service, call, new SimFailure(fault.code, fault.message, fault.httpStatus), true);
    return output;
  }

  private toException(service: RecordedCall['service'], call: RecordedCall, failure: SimFailure, injected: boolean): Error {
    call.error = failure.code;
    call.injected = injected;
    if (failure.code === 'TimeoutError') {
      // The SDK reports a socket timeout as a plain error named TimeoutError, not a service exception.
      return Object.assign(new Error(failure.message), { name: 'TimeoutError', $metadata: { attempts: 1 } });
    }
    const Exception = EXCEPTIONS[service];
    return new Exception({
      name: failure.code,
      $fault: failure.httpStatus >= 500 ? 'server' : 'client',
      $metadata: { httpStatusCode: failure.httpStatus, requestId: `sim-${call.index}` },
      message: failure.message,
    });
  }
}
