import { SFNClient } from '@aws-sdk/client-sfn';
import { reportToSecurityHub } from '../functions/reportToSecurityHub/handler';
import type { SimulatedAccount } from './aws-sim/account';
import { useSecurityHub } from './aws-sim/securityhub';
import { LOCAL, localDeps } from './local-account';
import type { LocalExecution } from './step-functions';

/**
 * What EventBridge does when an investigation ends with securityHub on (infra/securityhub.yml):
 * hands the "Step Functions Execution Status Change" event to reportToSecurityHub, which imports
 * the verdict. Locally the event is built from the finished execution and the import lands in the
 * simulated Security Hub; returns the finding Security Hub now holds, if any.
 */
export async function sendVerdictToSecurityHub(account: SimulatedAccount, execution: LocalExecution): Promise<Record<string, unknown> | undefined> {
  const { hub, client } = useSecurityHub(account);
  const deps = localDeps(account, { principal: 'reportToSecurityHub', sfn: new SFNClient({ region: LOCAL.region }), queryEngine: async () => Promise.reject(new Error('reportToSecurityHub runs no hunts')) });
  await reportToSecurityHub(deps, client('reportToSecurityHub'))({
    source: 'aws.states',
    'detail-type': 'Step Functions Execution Status Change',
    detail: { executionArn: execution.arn, stateMachineArn: LOCAL.stateMachineArn, name: execution.name, status: execution.status, input: JSON.stringify(execution.input) },
  });
  return hub.imported()[0];
}
