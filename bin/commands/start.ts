import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { SFNClient } from '@aws-sdk/client-sfn';
import { parseInvestigationRequest } from '../../functions/shared/domain/request';
import { startExecution } from '../../functions/shared/adapters/sfn';
import { InvalidInputError } from '../../functions/shared/errors';
import type { Io } from './io';

export type { Io } from './io';

export const START_USAGE = `usage: mirrorhunt start (--instance i-... | --eni eni-...) --reason "why" [--minutes 60]
                       --state-machine-arn arn:aws:states:...:stateMachine:mirrorhunt-<stage>-investigate
                       [--region us-east-1] [--dry-run]
Validates the request and starts an investigation in a deployed stack (Step Functions StartExecution).
The state machine ARN may also come from MIRRORHUNT_STATE_MACHINE_ARN.`;

/** A manual execution name: sortable by time, unique, within Step Functions' 80-character limit. */
export function manualExecutionName(now: Date, random = randomBytes(3).toString('hex')): string {
  return `manual-${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${random}`;
}

export async function startCommand(argv: string[], io: Io, options: { sfn?: SFNClient; env?: Record<string, string | undefined>; now?: () => Date } = {}): Promise<number> {
  const env = options.env ?? process.env;
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        instance: { type: 'string' },
        eni: { type: 'string' },
        minutes: { type: 'string' },
        reason: { type: 'string' },
        'state-machine-arn': { type: 'string' },
        region: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (error) {
    io.stderr(`${(error as Error).message}\n${START_USAGE}\n`);
    return 2;
  }
  if (values.help) {
    io.stdout(`${START_USAGE}\n`);
    return 0;
  }
  const minutes = values.minutes === undefined ? undefined : Number(values.minutes);
  let request;
  try {
    request = parseInvestigationRequest({
      instanceId: values.instance,
      networkInterfaceId: values.eni,
      captureMinutes: minutes,
      reason: values.reason ?? '',
      source: 'manual',
    });
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    io.stderr(`${error.message}\n${START_USAGE}\n`);
    return 2;
  }
  const stateMachineArn = values['state-machine-arn'] ?? env.MIRRORHUNT_STATE_MACHINE_ARN;
  if (!stateMachineArn || !/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:.+$/.test(stateMachineArn)) {
    io.stderr(`--state-machine-arn (or MIRRORHUNT_STATE_MACHINE_ARN) must be the ARN of the deployed investigate state machine\n`);
    return 2;
  }
  const name = manualExecutionName((options.now ?? (() => new Date()))());
  if (values['dry-run']) {
    io.stdout(`${JSON.stringify({ stateMachineArn, name, input: request }, null, 2)}\n`);
    return 0;
  }
  const region = values.region ?? stateMachineArn.split(':')[3];
  const sfn = options.sfn ?? new SFNClient({ region });
  const started = await startExecution(sfn, stateMachineArn, name, request);
  io.stdout(`started ${started.executionArn}\n`);
  return 0;
}
