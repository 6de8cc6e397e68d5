import type { Tags } from '../support';
import type { Ec2Store } from './state';

/** What AWS would authorize for one call: an IAM action on resources (by Service Authorization Reference type). */
export interface AuthResource {
  /** The resource type as the Service Authorization Reference names it (`instance`, `traffic-mirror-session`). */
  type: string;
  arn: string;
  /** The resource's own tags (`aws:ResourceTag/*`). */
  tags?: Tags;
  /** Tags the request puts on a resource it creates (`aws:RequestTag/*`, `aws:TagKeys`). */
  requestTags?: Tags;
}

export interface AuthCheck {
  action: string;
  resources: AuthResource[];
  /** Extra request context, e.g. `ec2:CreateAction` for the implicit CreateTags of a create call. */
  context?: Record<string, string | string[]>;
}

/** The SDK's output type less the response metadata, which the account adds. */
export type Output<T> = Omit<T, '$metadata'>;

/**
 * One simulated operation: `run` answers it against the store (throwing AWS's error as a
 * SimFailure), `authorize` says what IAM would evaluate first. Typed with the SDK's own
 * `*CommandInput` / `*CommandOutput`, so a field the product sends or reads cannot be misspelt here.
 */
export interface Ec2Operation<I, O> {
  run(store: Ec2Store, input: I): Output<O>;
  authorize?(store: Ec2Store, input: I): AuthCheck[];
}

export function arn(store: Ec2Store, type: string, id: string): string {
  // Images and snapshots are regional but not account-scoped in EC2 ARNs (Service Authorization Reference).
  const account = type === 'image' || type === 'snapshot' ? '' : store.accountId;
  return `arn:aws:ec2:${store.options.region}:${account}:${type}/${id}`;
}

/** The ARN a create call's new resource is authorized under, before it has an id. */
export const NEW = 'new';

/**
 * EC2 authorizes tags given at creation as an implicit `ec2:CreateTags` on each tagged new
 * resource, with `ec2:CreateAction` naming the create call (EC2 User Guide, "Grant permission to
 * tag Amazon EC2 resources during creation").
 */
export function tagOnCreate(action: string, resources: AuthResource[]): AuthCheck[] {
  const tagged = resources.filter((r) => r.requestTags && Object.keys(r.requestTags).length > 0);
  if (tagged.length === 0) return [];
  return [{ action: 'ec2:CreateTags', resources: tagged, context: { 'ec2:CreateAction': action } }];
}

/** The resource type EC2 uses in ARNs for an id, from its prefix. */
export function typeOfId(id: string): string | undefined {
  const prefix = id.split('-')[0];
  return (
    { i: 'instance', eni: 'network-interface', sg: 'security-group', tmt: 'traffic-mirror-target', tmf: 'traffic-mirror-filter', tms: 'traffic-mirror-session', vpc: 'vpc', subnet: 'subnet' } as Record<string, string>
  )[prefix ?? ''];
}
