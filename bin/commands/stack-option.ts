/**
 * Options the fleet commands (backfill, unmirror) share. The deployment a fleet command acts for: the stack tag (`mirrorhunt:stack`) its sessions carry,
 * `<service>-<stage>` as serverless names the stack (`mirrorhunt-prod`). Several stages may share
 * an account; a command only ever creates, lists as its own or deletes that stack's sessions.
 */
export const STACK_USAGE = '--stack NAME (or MIRRORHUNT_STACK) names the deployment, e.g. mirrorhunt-prod (serverless: <service>-<stage>)';

export const REGION_USAGE = "--region (or AWS_REGION) must name the stack's region, e.g. us-east-1";

/** The region a fleet command works in: the flag, else the SDK's usual environment variables. */
export function regionFrom(value: string | undefined, env: Record<string, string | undefined>): string | undefined {
  return value ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
}

export function stackFrom(value: string | undefined, env: Record<string, string | undefined>): string | undefined {
  const stack = value ?? env.MIRRORHUNT_STACK;
  return stack !== undefined && /^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(stack) ? stack : undefined;
}
