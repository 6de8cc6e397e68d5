import type { CfnTemplate } from './template';

export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

export interface LocatedStatement {
  role: string;
  statement: Statement;
  actions: string[];
  /** Resource entries rendered as text (intrinsics as JSON) for pattern matching. */
  resources: string[];
}

export const asList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

export function renderResource(resource: unknown): string {
  if (typeof resource === 'string') return resource;
  const obj = resource as Record<string, unknown>;
  if (typeof obj['Fn::Sub'] === 'string') return obj['Fn::Sub'];
  if (Array.isArray(obj['Fn::GetAtt'])) return `GetAtt:${(obj['Fn::GetAtt'] as string[]).join('.')}`;
  if (typeof obj.Ref === 'string') return `Ref:${obj.Ref}`;
  return JSON.stringify(resource);
}

interface PolicyDocument {
  Statement: Statement[];
}

/**
 * Every statement of every policy a role in the template gets: its inline policies, and
 * standalone AWS::IAM::Policy / AWS::IAM::ManagedPolicy resources attached to it by Ref, so a
 * grant cannot slip past the checks by moving out of the role.
 */
export function roleStatements(template: CfnTemplate): LocatedStatement[] {
  const out: LocatedStatement[] = [];
  const add = (role: string, document: PolicyDocument) => {
    for (const statement of asList(document.Statement)) {
      out.push({ role, statement, actions: asList(statement.Action), resources: asList(statement.Resource).map(renderResource) });
    }
  };
  for (const [role, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::IAM::Role') continue;
    for (const policy of asList(resource.Properties?.Policies as Array<{ PolicyDocument: PolicyDocument }> | undefined)) add(role, policy.PolicyDocument);
  }
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::IAM::Policy' && resource.Type !== 'AWS::IAM::ManagedPolicy') continue;
    const roles = asList(resource.Properties?.Roles as unknown[] | undefined).map((r) => (typeof r === 'object' && r !== null && 'Ref' in r ? String(r.Ref) : `${id}:${JSON.stringify(r)}`));
    for (const role of roles.length > 0 ? roles : [id]) add(role, resource.Properties?.PolicyDocument as PolicyDocument);
  }
  return out;
}

/** IAM action matching: case-insensitive, `*` and `?` wildcards, as IAM evaluates `Action`. */
export function actionMatches(pattern: string, action: string): boolean {
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return regex.test(action);
}

/** Does the statement's Action list grant `action`, directly or through a wildcard? */
export function grants(statement: LocatedStatement, action: string): boolean {
  return statement.actions.some((pattern) => actionMatches(pattern, action));
}

export function conditionValue(statement: Statement, operator: string, key: string): string[] {
  return asList(statement.Condition?.[operator]?.[key] as string | string[] | undefined);
}
