import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, type CollectionTag, type ScalarTag } from 'yaml';

/**
 * The IAM policies each function deploys with, read from the very documents that deploy them:
 * `infra/roles.yml` (the roles) and `serverless.yml` (which function runs as which role), with
 * the Serverless variables and the CloudFormation intrinsics (`Fn::Sub`, `Ref`, `Fn::GetAtt`)
 * resolved to the simulated account's names and ARNs. The same resolver reads a packaged
 * CloudFormation template, so a test can show both give the same policies.
 */

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

export interface PolicyDocument {
  Version: string;
  Statement: PolicyStatement[];
}

export interface FunctionPolicies {
  role: string;
  roleArn: string;
  policies: Array<{ name: string; document: PolicyDocument }>;
}

/** Names and ARNs the simulated stack gives the resources the policies point at. */
export interface StackContext {
  service: string;
  stage: string;
  region: string;
  accountId: string;
  /** Logical id → the value `Ref` gives (a bucket's name, a parameter's name ...). */
  refs: Record<string, string>;
  /** Logical id → the ARN `Fn::GetAtt [id, Arn]` gives. */
  arns: Record<string, string>;
}

const ROOT = join(__dirname, '..', '..', '..');

const cfnTags: Array<ScalarTag | CollectionTag> = [
  { tag: '!Ref', resolve: (value: string) => ({ Ref: value }) },
  { tag: '!Sub', resolve: (value: string) => ({ 'Fn::Sub': value }) },
  { tag: '!GetAtt', resolve: (value: string) => ({ 'Fn::GetAtt': value.split('.') }) },
  ...['If', 'Join', 'Select', 'Split', 'Equals', 'Not', 'And', 'Or', 'Sub', 'GetAtt', 'FindInMap'].map(
    (fn): CollectionTag => ({ tag: `!${fn}`, collection: 'seq', resolve: (value) => ({ [`Fn::${fn}`]: value.toJSON() }) }) as CollectionTag,
  ),
];

/** Serverless' own variables as the deploy resolves them for one stage. */
function serverlessVariables(text: string, ctx: StackContext, custom: Record<string, string>): string {
  return text.replace(/\$\{(self:service|sls:stage|self:custom\.[A-Za-z]+)\}/g, (_all, name: string) => {
    if (name === 'self:service') return ctx.service;
    if (name === 'sls:stage') return ctx.stage;
    const value = custom[name.slice('self:custom.'.length)];
    if (value === undefined) throw new Error(`the local IAM loader cannot resolve \${${name}}`);
    return value;
  });
}

function customOf(ctx: StackContext): Record<string, string> {
  const stateMachineName = `${ctx.service}-${ctx.stage}-investigate`;
  return {
    stateMachineName,
    // serverless.yml: custom.stateMachineArnTemplate, used inside Fn::Sub.
    stateMachineArnTemplate: `arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:stateMachine:${stateMachineName}`,
  };
}

function resolveSub(template: string, ctx: StackContext): string {
  return template.replace(/\$\{([^}]+)\}/g, (_all, name: string) => {
    if (name === 'AWS::Partition') return 'aws';
    if (name === 'AWS::Region') return ctx.region;
    if (name === 'AWS::AccountId') return ctx.accountId;
    if (name === 'AWS::StackName') return `${ctx.service}-${ctx.stage}`;
    if (name.endsWith('.Arn')) return arnOf(name.slice(0, -4), ctx);
    return refOf(name, ctx);
  });
}

function refOf(id: string, ctx: StackContext): string {
  const value = ctx.refs[id];
  if (value === undefined) throw new Error(`the local IAM loader has no value for Ref ${id}: add it to the simulated stack context`);
  return value;
}

function arnOf(id: string, ctx: StackContext): string {
  const value = ctx.arns[id];
  if (value === undefined) throw new Error(`the local IAM loader has no ARN for ${id}: add it to the simulated stack context`);
  return value;
}

/** Resolves the intrinsics a policy document uses to plain strings. */
export function resolveIntrinsics(value: unknown, ctx: StackContext): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveIntrinsics(v, ctx));
  if (typeof value !== 'object' || value === null) return value;
  const obj = value as Record<string, unknown>;
  if (typeof obj['Fn::Sub'] === 'string') return resolveSub(obj['Fn::Sub'], ctx);
  if (typeof obj.Ref === 'string') return refOf(obj.Ref, ctx);
  if (Array.isArray(obj['Fn::GetAtt'])) {
    const [id, attribute] = obj['Fn::GetAtt'] as string[];
    if (attribute !== 'Arn') throw new Error(`the local IAM loader resolves only Fn::GetAtt ... Arn (got ${String(attribute)})`);
    return arnOf(String(id), ctx);
  }
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, resolveIntrinsics(v, ctx)]));
}

interface TemplateLike {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}

/**
 * Each function's inline role policies from a template (roles.yml after Serverless variables, or
 * a packaged template). Managed policy ARNs are not read: the only one a function role carries is
 * AWSLambdaENIManagementAccess, and only when the functions run in a VPC, which locally they do not.
 */
export function policiesFromTemplate(template: TemplateLike, functionRoles: Record<string, string>, ctx: StackContext): Record<string, FunctionPolicies> {
  const out: Record<string, FunctionPolicies> = {};
  for (const [fn, role] of Object.entries(functionRoles)) {
    const resource = template.Resources[role];
    if (!resource || resource.Type !== 'AWS::IAM::Role') throw new Error(`function ${fn} runs as ${role}, which the template does not define as a role`);
    const policies = ((resource.Properties?.Policies as Array<{ PolicyName: unknown; PolicyDocument: unknown }> | undefined) ?? []).map((p) => ({
      name: String(resolveIntrinsics(p.PolicyName, ctx)),
      document: resolveIntrinsics(p.PolicyDocument, ctx) as PolicyDocument,
    }));
    out[fn] = { role, roleArn: roleArn(role, ctx), policies };
  }
  return out;
}

export function roleArn(logicalId: string, ctx: StackContext): string {
  return `arn:aws:iam::${ctx.accountId}:role/${ctx.service}-${ctx.stage}-${logicalId}`;
}

/** serverless.yml: which role each function runs as (`functions.<key>.role`). */
export function functionRolesFromServerless(text = readFileSync(join(ROOT, 'serverless.yml'), 'utf8')): Record<string, string> {
  const doc = parse(text, { customTags: cfnTags }) as { functions: Record<string, { role?: unknown }> };
  const out: Record<string, string> = {};
  for (const [fn, spec] of Object.entries(doc.functions)) if (typeof spec.role === 'string') out[fn] = spec.role;
  return out;
}

/** infra/roles.yml as CloudFormation would receive it for `ctx.stage` (Serverless variables resolved). */
export function rolesTemplate(ctx: StackContext, text = readFileSync(join(ROOT, 'infra', 'roles.yml'), 'utf8')): TemplateLike {
  return parse(serverlessVariables(text, ctx, customOf(ctx)), { customTags: cfnTags }) as TemplateLike;
}

/** The simulated stack's names: the ones `local/local-account.ts` provisions, for stage `local`. */
export function simulatedStack(options: { region: string; accountId: string; bucket: string; amiParameter: string; stage?: string; service?: string }): StackContext {
  const service = options.service ?? 'mirrorhunt';
  const stage = options.stage ?? 'local';
  const { region, accountId } = options;
  const ctx: StackContext = {
    service,
    stage,
    region,
    accountId,
    refs: { LogBucket: options.bucket, SensorAmiParameter: options.amiParameter, HuntWorkGroup: `${service}-${stage}`, ZeekDatabase: `${service}_${stage}` },
    arns: { LogBucket: `arn:aws:s3:::${options.bucket}` },
  };
  for (const role of ['SensorRole', 'FleetSensorRole']) ctx.arns[role] = roleArn(role, ctx);
  for (const queue of ['StartInvestigation', 'CleanUpExecution', 'SweepOrphans', 'AutoMirror', 'ReconcileMirrors', 'ReportToSecurityHub']) {
    ctx.arns[`${queue}DeadLetterQueue`] = `arn:aws:sqs:${region}:${accountId}:${service}-${stage}-${queue}-dlq`;
  }
  return ctx;
}

let cached: { key: string; value: Record<string, FunctionPolicies> } | undefined;

/** Every function's policies for the simulated stack, from the repo's roles.yml and serverless.yml. */
export function deployedPolicies(ctx: StackContext): Record<string, FunctionPolicies> {
  const key = JSON.stringify(ctx);
  if (cached?.key !== key) cached = { key, value: policiesFromTemplate(rolesTemplate(ctx), functionRolesFromServerless(), ctx) };
  return cached.value;
}
