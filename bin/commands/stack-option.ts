/**
 * The deployment a fleet command acts for: the stack tag (`mirrorhunt:stack`) its sessions carry,
 * `<service>-<stage>` as serverless names the stack (`mirrorhunt-prod`). Several stages may share
 * an account; a command only ever creates, lists as its own or deletes that stack's sessions.
 */
export const STACK_USAGE = '--stack NAME (or MIRRORHUNT_STACK) names the deployment, e.g. mirrorhunt-prod (serverless: <service>-<stage>)';

export function stackFrom(value: string | undefined, env: Record<string, string | undefined>): string | undefined {
  const stack = value ?? env.MIRRORHUNT_STACK;
  return stack !== undefined && /^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(stack) ? stack : undefined;
}
