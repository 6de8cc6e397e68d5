import { DescribeExecutionCommand, StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { isAwsError, translateAwsError } from './aws-errors';

export type StartOutcome = { started: true; executionArn: string } | { started: false; executionArn: string; reason: 'already-exists' };

/** The ARN an execution of this name has (or will have): Step Functions derives it from the name. */
export function executionArnFor(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

export async function startExecution(sfn: SFNClient, stateMachineArn: string, name: string, input: unknown): Promise<StartOutcome> {
  try {
    const out = await sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
    return { started: true, executionArn: out.executionArn ?? executionArnFor(stateMachineArn, name) };
  } catch (error) {
    // Same name, different input (a re-published finding with a later updatedAt): already handled.
    if (isAwsError(error, 'ExecutionAlreadyExists')) {
      return { started: false, executionArn: executionArnFor(stateMachineArn, name), reason: 'already-exists' };
    }
    throw translateAwsError(error, 'StartExecution');
  }
}

/** The execution's status and start, or undefined when Step Functions knows no such execution. */
export async function executionStatus(sfn: SFNClient, executionArn: string): Promise<{ status?: string; startedAt?: Date } | undefined> {
  try {
    const out = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    return { status: out.status, startedAt: out.startDate };
  } catch (error) {
    if (isAwsError(error, 'ExecutionDoesNotExist')) return undefined;
    throw translateAwsError(error, 'DescribeExecution');
  }
}
