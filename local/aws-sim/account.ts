import { EC2Client, EC2ServiceException } from '@aws-sdk/client-ec2';
import { S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { SNSClient, SNSServiceException } from '@aws-sdk/client-sns';
import { SSMClient, SSMServiceException } from '@aws-sdk/client-ssm';
import { SimClock } from './clock';
import { SimulatedRouteTables } from './route-tables';
import { DEFAULT_EC2_QUOTAS, DEFAULT_EC2_TIMINGS, SimulatedEc2, type Ec2Quotas, type Ec2Timings } from './ec2';
import type { AuthCheck } from './ec2/operation';
import { FaultInjector } from './faults';
import type { IamEvaluator } from './iam/evaluate';
import { SimulatedSns, SimulatedSsm } from './messaging';
import { SimulatedS3 } from './s3';
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
  /** Evaluate the calling function's deployed IAM policies on every call (default on; see local/local-account.ts). */
  iam?: boolean;
}

export interface RecordedCall {
  index: number;
  service: 'ec2' | 's3' | 'ssm' | 'sns' | (string & {});
  operation: string;
  input: Record<string, unknown>;
  at: Date;
  /** The AWS error code the call ended with, if it failed. */
  error?: string;
  injected?: boolean;
  /** The function whose clients made the call; absent for set-up calls (seeding, CloudFormation stand-ins). */
  principal?: string;
  /** The call was refused by IAM (the evaluated policies of `principal`). */
  deniedByIam?: boolean;
}

/** A service added to the account from outside this folder's core (e.g. a simulated Security Hub). */
export interface RegisteredService {
  handle(operation: string, input: Record<string, unknown>): Promise<Record<string, unknown>> | Record<string, unknown>;
  /** What IAM evaluates for the call; none = not evaluated. */
  authorization?(operation: string, input: Record<string, unknown>): AuthCheck[];
  exception: ExceptionClass;
  /** The code and HTTP status this service answers an IAM denial with. */
  denied?: { code: string; httpStatus: number };
}

export interface AccountResource {
  service: 'ec2';
  type: 'instance' | 'network-interface' | 'security-group' | 'mirror-target' | 'mirror-filter' | 'mirror-session' | 'vpc' | 'subnet';
  id: string;
  state?: string;
  tags: Tags;
}

export type ExceptionClass = new (options: { name: string; $fault: 'client' | 'server'; $metadata: { httpStatusCode?: number; requestId?: string }; message: string }) => Error;

const EXCEPTIONS: Record<string, ExceptionClass> = {
  ec2: EC2ServiceException as unknown as ExceptionClass,
  s3: S3ServiceException as unknown as ExceptionClass,
  ssm: SSMServiceException as unknown as ExceptionClass,
  sns: SNSServiceException as unknown as ExceptionClass,
};

/** How each service answers an IAM denial (error code, HTTP status). */
const DENIED: Record<string, { code: string; httpStatus: number }> = {
  // EC2 API reference, "Error codes": UnauthorizedOperation, 403.
  ec2: { code: 'UnauthorizedOperation', httpStatus: 403 },
  // S3 API reference, "Error responses": AccessDenied, 403 Forbidden.
  s3: { code: 'AccessDenied', httpStatus: 403 },
  ssm: { code: 'AccessDeniedException', httpStatus: 400 },
  sns: { code: 'AuthorizationError', httpStatus: 403 },
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
  readonly faults = new FaultInjector();
  /** DescribeRouteTables, kept apart from the EC2 simulation (route-tables.ts). */
  readonly routeTables = new SimulatedRouteTables(() => this.ec2.vpcList().map((v) => ({ vpcId: v.VpcId ?? '', cidr: v.CidrBlock ?? '' })));
  readonly calls: RecordedCall[] = [];
  /** Whether the local runner should put IAM in the loop (SimulatedAccountOptions.iam). */
  readonly iamEnabled: boolean;
  /** IAM in the loop: when set, calls made through `clients(principal)` are evaluated against that principal's policies. */
  iam?: IamEvaluator;
  /** Make the ids created by the call with this index settle late (eventual consistency as a fault). */
  readonly lateIds: Array<{ callIndex: number; seconds: number; misses: number; calls: number }> = [];
  private readonly services = new Map<string, RegisteredService>();
  private readonly cached = new Map<string, { ec2: EC2Client; s3: S3Client; ssm: SSMClient; sns: SNSClient }>();

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
    this.iamEnabled = options.iam ?? true;
    this.sns = new SimulatedSns(this.region, this.accountId);
  }


  /**
   * The SDK clients, answered by this account. With a `principal` (a function key such as
   * `launchSensor`) every call is first evaluated against that function's IAM policies when
   * `iam` is set; without one the calls are set-up calls and are not evaluated.
   */
  clients(principal?: string): { ec2: EC2Client; s3: S3Client; ssm: SSMClient; sns: SNSClient } {
    const key = principal ?? '';
    let clients = this.cached.get(key);
    if (!clients) {
      const common = { region: this.region, credentials: { accessKeyId: 'SIMULATED', secretAccessKey: 'SIMULATED' }, maxAttempts: 1 };
      clients = {
        ec2: this.wire(new EC2Client(common), 'ec2', principal),
        s3: this.wire(new S3Client({ ...common, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED' }), 's3', principal),
        ssm: this.wire(new SSMClient(common), 'ssm', principal),
        sns: this.wire(new SNSClient(common), 'sns', principal),
      };
      this.cached.set(key, clients);
    }
    return clients;
  }

  /** Wires a client of a service registered with `registerService` (the SDK client class is the caller's). */
  client<C extends { middlewareStack: { add: (...args: never[]) => void } }>(client: C, service: string, principal?: string): C {
    if (!this.services.has(service)) throw new Error(`no simulated service ${service} is registered`);
    return this.wire(client, service, principal);
  }

  /** The hook for services simulated outside this folder's core (one file each, e.g. securityhub.ts). */
  registerService(name: string, service: RegisteredService): void {
    if (name in EXCEPTIONS || this.services.has(name)) throw new Error(`the simulated service ${name} is already registered`);
    this.services.set(name, service);
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

  private wire<C extends { middlewareStack: { add: (...args: never[]) => void } }>(client: C, service: RecordedCall['service'], principal?: string): C {
    const middleware = (_next: unknown, context: { commandName?: string }) => async (args: { input: Record<string, unknown> }) => {
      const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
      const output = await this.dispatch(service, operation, args.input, principal);
      return { output: { ...output, $metadata: { httpStatusCode: 200, requestId: `sim-${this.calls.length}`, attempts: 1 } }, response: {} };
    };
    (client.middlewareStack.add as unknown as (mw: typeof middleware, options: { step: string; name: string; priority: string }) => void)(middleware, {
      step: 'initialize',
      name: 'mirrorhuntSimulatedAccount',
      priority: 'high',
    });
    return client;
  }

  private async dispatch(service: RecordedCall['service'], operation: string, input: Record<string, unknown>, principal?: string): Promise<Record<string, unknown>> {
    const call: RecordedCall = { index: this.calls.length, service, operation, input, at: this.clock.now(), principal };
    this.calls.push(call);
    const fault = this.faults.check({ service, operation, index: call.index });
    if (fault?.when === 'before') throw this.toException(service, call, new SimFailure(fault.code, fault.message, fault.httpStatus), true);
    let output: Record<string, unknown>;
    const late = this.lateIds.find((l) => l.callIndex === call.index);
    try {
      if (principal && this.iam) await this.authorize(service, operation, input, principal, call);
      if (late) this.ec2.store.lagNextCreate = { seconds: late.seconds, misses: late.misses, calls: late.calls };
      if (service === 'ec2' && operation === 'DescribeRouteTables') output = this.routeTables.describe(input);
      else if (service === 'ec2') output = this.ec2.handle(operation, input);
      else if (service === 's3') output = await this.s3.handle(operation, input);
      else if (service === 'ssm') output = this.ssm.handle(operation, input);
      else if (service === 'sns') output = this.sns.handle(operation, input);
      else output = await this.requireService(service).handle(operation, input);
    } catch (error) {
      if (error instanceof SimFailure) {
        const refused = await this.missingKeyRule(service, operation, input, principal, error);
        if (refused) call.deniedByIam = true;
        throw this.toException(service, call, refused ?? error, false);
      }
      throw error;
    } finally {
      this.ec2.store.lagNextCreate = undefined;
    }
    if (fault?.when === 'after') throw this.toException(service, call, new SimFailure(fault.code, fault.message, fault.httpStatus), true);
    return output;
  }

  private requireService(name: string): RegisteredService {
    const service = this.services.get(name);
    if (!service) throw new Error(`no simulated service ${name} is registered`);
    return service;
  }

  /** What IAM evaluates for a call, per service (the service's own mapping to actions and resource ARNs). */
  private authorizationFor(service: string, operation: string, input: Record<string, unknown>): AuthCheck[] {
    // Route tables live beside the EC2 simulation (route-tables.ts); a Describe is one check on `*`.
    if (service === 'ec2' && operation === 'DescribeRouteTables') return [{ action: 'ec2:DescribeRouteTables', resources: [] }];
    if (service === 'ec2') return this.ec2.authorization(operation, input);
    if (service === 's3') return this.s3.authorization(operation, input);
    if (service === 'ssm') return this.ssm.authorization(operation, input, this.region, this.accountId);
    if (service === 'sns') return this.sns.authorization(operation, input);
    return this.services.get(service)?.authorization?.(operation, input) ?? [];
  }

  private async authorize(service: string, operation: string, input: Record<string, unknown>, principal: string, call: RecordedCall): Promise<void> {
    const iam = this.iam as IamEvaluator;
    if (!iam.knows(principal)) throw new Error(`the simulated account has no deployed policies for the caller ${principal}`);
    const denial = await iam.authorize(principal, this.authorizationFor(service, operation, input));
    if (!denial) return;
    call.deniedByIam = true;
    const denied = this.services.get(service)?.denied ?? DENIED[service] ?? { code: 'AccessDeniedException', httpStatus: 400 };
    throw new SimFailure(
      denied.code,
      `User: ${denial.principal} is not authorized to perform: ${denial.action} on resource: ${denial.resource} because no identity-based policy allows the ${denial.action} action`,
      denied.httpStatus,
    );
  }

  /**
   * S3 answers a missing key with 404 only when the caller may s3:ListBucket the bucket, else 403
   * (S3 API reference, GetObject and HeadObject: "If you don't have the s3:ListBucket permission,
   * Amazon S3 returns an HTTP status code 403"). That evaluation carries no s3:prefix.
   */
  private async missingKeyRule(service: string, operation: string, input: Record<string, unknown>, principal: string | undefined, failure: SimFailure): Promise<SimFailure | undefined> {
    if (service !== 's3' || !principal || !this.iam || (failure.code !== 'NoSuchKey' && failure.code !== 'NotFound')) return undefined;
    const bucket = String(input.Bucket ?? '');
    const mayList = await this.iam.allowed(principal, 's3:ListBucket', `arn:aws:s3:::${bucket}`, {});
    if (mayList) return undefined;
    const message = `User: ${this.iam.principalArn(principal)} is not authorized to perform: s3:ListBucket on resource: arn:aws:s3:::${bucket}, so S3 answers a missing key with 403`;
    // A HEAD answer has no body, so the SDK can only name the error by its status.
    return operation === 'HeadObject' ? new SimFailure('403', message, 403) : new SimFailure('AccessDenied', message, 403);
  }

  private toException(service: RecordedCall['service'], call: RecordedCall, failure: SimFailure, injected: boolean): Error {
    call.error = failure.code;
    call.injected = injected;
    if (failure.code === 'TimeoutError') {
      // The SDK reports a socket timeout as a plain error named TimeoutError, not a service exception.
      return Object.assign(new Error(failure.message), { name: 'TimeoutError', $metadata: { attempts: 1 } });
    }
    const Exception = EXCEPTIONS[service] ?? this.requireService(service).exception;
    return new Exception({
      name: failure.code,
      $fault: failure.httpStatus >= 500 ? 'server' : 'client',
      $metadata: { httpStatusCode: failure.httpStatus, requestId: `sim-${call.index}` },
      message: failure.message,
    });
  }
}
