import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as errors from '../../../../functions/shared/errors';
import { PACKAGE_ROOT, packagedService, zipRead } from '../../../support/template';

/** Every ErrorEquals entry of the definition, wherever it sits (Retry or Catch, nested branches). */
function errorNames(node: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(node)) for (const item of node) errorNames(item, into);
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'ErrorEquals' && Array.isArray(value)) for (const name of value) into.add(String(name));
      else errorNames(value, into);
    }
  }
  return into;
}

const exportedErrorClasses = new Map<string, new (message: string) => Error>(
  Object.entries(errors as Record<string, unknown>).filter((entry): entry is [string, new (message: string) => Error] => typeof entry[1] === 'function' && entry[1].prototype instanceof Error),
);

describe('the error contract with the state machine', () => {
  it('names every error the definition retries or catches after an exported error class (States.* and service-qualified Lambda./SNS. names are AWS\'s own)', () => {
    // Prepare
    const definition = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'state-machines', 'investigate.asl.json'), 'utf8'));

    // Act
    const ours = [...errorNames(definition)].filter((name) => !name.startsWith('States.') && !name.includes('.'));

    // Assess
    expect(ours.length).toBeGreaterThan(0);
    expect(ours.filter((name) => !exportedErrorClasses.has(name))).toEqual([]);
  });

  it('gives every exported error class a name equal to the class name', () => {
    for (const [exported, ErrorClass] of exportedErrorClasses) expect(new ErrorClass('x').name).toBe(exported);
    expect(exportedErrorClasses.size).toBeGreaterThan(10);
  });

  it('treats throttling and no-answer failures as retryable and nothing else', () => {
    expect(errors.isRetryable(new errors.AwsThrottledError('x'))).toBe(true);
    expect(errors.isRetryable(new errors.AwsTransientError('x'))).toBe(true);
    expect(errors.isRetryable(new errors.AwsCallError('x'))).toBe(false);
    expect(errors.isRetryable(new errors.AwsAccessDeniedError('x'))).toBe(false);
    expect(errors.isRetryable(Object.assign(new Error('x'), { name: 'AwsThrottledError' }))).toBe(true);
    expect(errors.isRetryable('AwsThrottledError')).toBe(false);
  });
});

describe('the packaged (minified) bundle', () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'mirrorhunt-errors-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('throws errors that keep their contract name', async () => {
    // Prepare: the deployed resolveTarget handler, run in a fresh Node as Lambda would (SDK from node_modules)
    const { artifactsDir } = await packagedService();
    const file = join(work, 'handler.js');
    writeFileSync(file, zipRead(join(artifactsDir, 'resolveTarget.zip'), 'functions/resolveTarget/handler.js'));
    const script = `require(${JSON.stringify(file)}).handler({}, {}).then(() => process.stdout.write('no error'), (e) => process.stdout.write(e.name))`;

    // Act
    const out = execFileSync(process.execPath, ['-e', script], { env: { ...process.env, NODE_PATH: join(PACKAGE_ROOT, 'node_modules'), AWS_REGION: 'us-east-1' } }).toString();

    // Assess
    expect(out).toBe('InvalidInputError');
  });
});
