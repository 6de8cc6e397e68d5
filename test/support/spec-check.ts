import { loadAwsServiceSpec } from '@aws-cdk/aws-service-spec';
import type { CfnTemplate } from './template';

/**
 * A generic offline check of a CloudFormation template against the resource schemas in
 * `@aws-cdk/aws-service-spec`: every resource type exists, required properties are present, no
 * property is unknown (recursively through nested property types), values have the right shape,
 * and every Ref / GetAtt points at something that exists.
 */

type SpecDatabase = Awaited<ReturnType<typeof loadAwsServiceSpec>>;
type PropertyType =
  | { type: 'string' | 'number' | 'integer' | 'boolean' | 'json' | 'date-time' | 'null' | 'tag' }
  | { type: 'ref'; reference: { $ref: string } }
  | { type: 'array' | 'map'; element: PropertyType }
  | { type: 'union'; types: PropertyType[] };
interface PropertySpec {
  required?: boolean;
  type: PropertyType;
}

const PSEUDO_PARAMETERS = new Set(['AWS::AccountId', 'AWS::NoValue', 'AWS::NotificationARNs', 'AWS::Partition', 'AWS::Region', 'AWS::StackId', 'AWS::StackName', 'AWS::URLSuffix']);

function isIntrinsic(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0]!.startsWith('Fn::'));
}

/**
 * Resource types CloudFormation documents that the installed spec database lacks, with their
 * properties and attributes as the CloudFormation Template Reference states them.
 */
const DOCUMENTED_ELSEWHERE: Record<string, { properties: Record<string, unknown>; attributes: Record<string, unknown> }> = {
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-securityhub-actiontarget.html
  'AWS::SecurityHub::ActionTarget': {
    properties: { Description: { required: true, type: { type: 'string' } }, Id: { required: true, type: { type: 'string' } }, Name: { required: true, type: { type: 'string' } } },
    attributes: { ActionTargetArn: {} },
  },
};

export class SpecChecker {
  private constructor(private readonly db: SpecDatabase) {}

  static async load(): Promise<SpecChecker> {
    return new SpecChecker(await loadAwsServiceSpec());
  }

  private resource(type: string) {
    return this.db.lookup('resource', 'cloudFormationType', 'equals', type)[0] ?? DOCUMENTED_ELSEWHERE[type];
  }

  /** All problems found, as human-readable strings ("LogBucket.Properties.Foo: unknown property"). */
  check(template: CfnTemplate): string[] {
    const problems: string[] = [];
    for (const [id, resource] of Object.entries(template.Resources)) {
      const spec = this.resource(resource.Type);
      if (!spec) {
        problems.push(`${id}: unknown resource type ${resource.Type}`);
        continue;
      }
      this.checkObject(resource.Properties ?? {}, spec.properties as Record<string, PropertySpec>, `${id}.Properties`, problems);
    }
    for (const [id, output] of Object.entries(template.Outputs ?? {})) {
      const value = (output as { Value?: unknown }).Value;
      if (typeof value !== 'string' && !isIntrinsic(value)) problems.push(`Outputs.${id}.Value: must be a string or one intrinsic function, got ${JSON.stringify(value)}`);
    }
    this.checkReferences(template, problems);
    return problems;
  }

  private checkObject(value: Record<string, unknown>, properties: Record<string, PropertySpec>, path: string, problems: string[]): void {
    for (const [name, prop] of Object.entries(properties)) {
      if (prop.required && !(name in value)) problems.push(`${path}.${name}: required property missing`);
    }
    for (const [name, child] of Object.entries(value)) {
      const prop = properties[name];
      if (!prop) {
        problems.push(`${path}.${name}: unknown property`);
        continue;
      }
      this.checkValue(child, prop.type, `${path}.${name}`, problems);
    }
  }

  private checkValue(value: unknown, type: PropertyType, path: string, problems: string[]): void {
    if (isIntrinsic(value)) return;
    const mismatch = (expected: string) => problems.push(`${path}: expected ${expected}, got ${JSON.stringify(value)?.slice(0, 80)}`);
    switch (type.type) {
      case 'string':
      case 'date-time':
        if (typeof value !== 'string' && typeof value !== 'number') mismatch('a string');
        return;
      case 'number':
      case 'integer':
        if (typeof value !== 'number' && !(typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))) mismatch('a number');
        return;
      case 'boolean':
        if (typeof value !== 'boolean' && value !== 'true' && value !== 'false') mismatch('a boolean');
        return;
      case 'json':
      case 'null':
        return;
      case 'tag':
        if (typeof value !== 'object' || value === null || !('Key' in value) || !('Value' in value)) mismatch('a {Key, Value} tag');
        return;
      case 'array':
        if (!Array.isArray(value)) return void mismatch('a list');
        value.forEach((item, i) => this.checkValue(item, type.element, `${path}[${i}]`, problems));
        return;
      case 'map':
        if (typeof value !== 'object' || value === null || Array.isArray(value)) return void mismatch('a map');
        for (const [k, v] of Object.entries(value)) this.checkValue(v, type.element, `${path}.${k}`, problems);
        return;
      case 'ref': {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) return void mismatch('an object');
        const definition = this.db.get('typeDefinition', type.reference.$ref);
        this.checkObject(value as Record<string, unknown>, definition.properties as Record<string, PropertySpec>, path, problems);
        return;
      }
      case 'union': {
        const attempts = type.types.map((candidate) => {
          const found: string[] = [];
          this.checkValue(value, candidate, path, found);
          return found;
        });
        if (attempts.some((found) => found.length === 0)) return;
        problems.push(...(attempts.sort((a, b) => a.length - b.length)[0] ?? []));
        return;
      }
    }
  }

  private checkReferences(template: CfnTemplate, problems: string[]): void {
    const resources = template.Resources;
    const visit = (node: unknown, path: string): void => {
      if (Array.isArray(node)) return node.forEach((item, i) => visit(item, `${path}[${i}]`));
      if (typeof node !== 'object' || node === null) return;
      const obj = node as Record<string, unknown>;
      if (typeof obj.Ref === 'string' && !resources[obj.Ref] && !PSEUDO_PARAMETERS.has(obj.Ref)) problems.push(`${path}: Ref to missing ${obj.Ref}`);
      const getAtt = obj['Fn::GetAtt'];
      if (getAtt !== undefined) {
        const [target, attribute] = Array.isArray(getAtt) ? (getAtt as string[]) : String(getAtt).split(/\.(.+)/);
        const targetResource = target ? resources[target] : undefined;
        if (!targetResource) problems.push(`${path}: GetAtt on missing ${target}`);
        else {
          const spec = this.resource(targetResource.Type);
          if (spec && attribute && !(attribute in spec.attributes)) problems.push(`${path}: ${targetResource.Type} has no attribute ${attribute}`);
        }
      }
      const sub = obj['Fn::Sub'];
      if (typeof sub === 'string') {
        for (const [, name] of sub.matchAll(/\$\{([^!}][^}]*)\}/g)) {
          const [target, attribute] = name!.split(/\.(.+)/);
          if (!target || PSEUDO_PARAMETERS.has(target)) continue;
          const targetResource = resources[target];
          if (!targetResource) problems.push(`${path}: Fn::Sub names missing ${target}`);
          else if (attribute) {
            const spec = this.resource(targetResource.Type);
            if (spec && !(attribute in spec.attributes)) problems.push(`${path}: ${targetResource.Type} has no attribute ${attribute}`);
          }
        }
      }
      for (const [key, value] of Object.entries(obj)) visit(value, `${path}.${key}`);
    };
    visit(resources, 'Resources');
    if (template.Outputs) visit(template.Outputs, 'Outputs');
  }
}
