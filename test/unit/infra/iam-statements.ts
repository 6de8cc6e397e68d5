import type { CfnTemplate } from '../../support/template';

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

/** Every statement of every inline policy of every IAM role in the template. */
export function roleStatements(template: CfnTemplate): LocatedStatement[] {
  const out: LocatedStatement[] = [];
  for (const [role, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::IAM::Role') continue;
    const policies = asList(resource.Properties?.Policies as Array<{ PolicyDocument: { Statement: Statement[] } }> | undefined);
    for (const policy of policies) {
      for (const statement of policy.PolicyDocument.Statement) {
        out.push({ role, statement, actions: asList(statement.Action), resources: asList(statement.Resource).map(renderResource) });
      }
    }
  }
  return out;
}

export function conditionValue(statement: Statement, operator: string, key: string): string[] {
  return asList(statement.Condition?.[operator]?.[key] as string | string[] | undefined);
}
