import { fail } from '../support';
import { instanceOperations } from './instances';
import { mirroringOperations } from './mirroring';
import { networkOperations } from './network';
import type { AuthCheck, Ec2Operation } from './operation';
import type { Ec2Store } from './state';
import { vpcOperations } from './vpc';

/**
 * Every EC2 operation the simulation answers, by API name. Each module types its operations with
 * the SDK's `*CommandInput` / `*CommandOutput`; an operation not listed here answers
 * `InvalidAction`, as EC2 does for an action it does not know.
 */
export const EC2_OPERATIONS = { ...vpcOperations, ...instanceOperations, ...networkOperations, ...mirroringOperations };

export type Ec2OperationName = keyof typeof EC2_OPERATIONS;

type AnyOperation = Ec2Operation<never, never>;

function lookup(operation: string): AnyOperation {
  const op = (EC2_OPERATIONS as unknown as Record<string, AnyOperation | undefined>)[operation];
  if (!op) return fail('InvalidAction', `The action ${operation} is not valid for this web service (the local EC2 simulation does not implement it)`);
  return op;
}

export function runOperation(store: Ec2Store, operation: string, input: object): Record<string, unknown> {
  const op = lookup(operation) as unknown as Ec2Operation<object, object>;
  return op.run(store, input) as Record<string, unknown>;
}

/** What IAM evaluates for the call; a Describe (no resource-level permissions) is one check on `*`. */
export function authorizationFor(store: Ec2Store, operation: string, input: object): AuthCheck[] {
  const op = lookup(operation) as unknown as Ec2Operation<object, object>;
  return op.authorize ? op.authorize(store, input) : [{ action: `ec2:${operation}`, resources: [] }];
}
