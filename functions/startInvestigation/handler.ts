import { SFNClient } from '@aws-sdk/client-sfn';
import { assessFinding, executionNameForFinding, parseFindingEvent } from '../shared/domain/finding';
import { requestFromFinding } from '../shared/domain/request';
import { FUNCTION_CONFIGS } from '../shared/function-configs';
import { startExecution } from '../shared/adapters/sfn';
import { lambdaHandler, type Deps } from '../shared/runtime';
import { InvalidInputError } from '../shared/errors';
import { isSecurityHubEvent, parseCustomActionEvent } from '../shared/domain/security-hub';

export type TriggerOutcome =
  | { outcome: 'started'; executionName: string; executionArn: string }
  | { outcome: 'duplicate'; executionName: string; executionArn: string }
  | { outcome: 'ignored'; reason: string }
  | { outcome: 'rejected'; reason: string };

/**
 * EventBridge `GuardDuty Finding` -> one `investigate` execution per finding id. A malformed
 * event is rejected with a log line naming what was wrong and starts nothing; it is not thrown,
 * because a retry of the same bad event can only fail the same way.
 */
export const startInvestigation = (deps: Deps<'sfn'>) => {
  const config = FUNCTION_CONFIGS.startInvestigation.pick(deps.config);
  const stateMachineArn = config.stateMachineArn;
  const policy = { minSeverity: deps.config.minSeverity, types: deps.config.findingTypes, allowSamples: deps.config.allowSampleFindings };
  /**
   * A responder chose the Security Hub custom action on these findings: their choice stands in
   * for the severity floor and the type list; the instance and sample checks and the execution
   * name (one investigation per GuardDuty finding, whichever way it was asked for) stay.
   */
  const fromSecurityHub = async (event: unknown): Promise<TriggerOutcome> => {
    let selected;
    try {
      selected = parseCustomActionEvent(event);
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      deps.logger.error('rejected Security Hub event', { reason: error.message });
      return { outcome: 'rejected', reason: error.message };
    }
    const outcomes: TriggerOutcome[] = [];
    for (const item of selected) {
      if ('rejected' in item) {
        deps.logger.warn('Security Hub finding not investigated', { reason: item.rejected });
        outcomes.push({ outcome: 'rejected', reason: item.rejected });
        continue;
      }
      const decision = assessFinding(item.finding, { ...policy, minSeverity: 0, types: ['*'] });
      if (!decision.investigate) {
        outcomes.push({ outcome: 'ignored', reason: decision.reason });
        continue;
      }
      const executionName = executionNameForFinding(item.finding.id);
      const request = requestFromFinding(item.finding, deps.config.defaultCaptureMinutes);
      const started = await startExecution(deps.clients.sfn, stateMachineArn, executionName, { ...request, reason: `Security Hub custom action: ${request.reason}`.slice(0, 500) });
      deps.logger.info(started.started ? 'investigation started from Security Hub' : 'finding already investigated', { findingId: item.finding.id, executionName });
      outcomes.push({ outcome: started.started ? 'started' : 'duplicate', executionName, executionArn: started.executionArn });
    }
    // Security Hub sends one finding per custom-action event (securityhub-cwe-event-formats.html);
    // should a future event carry several, each is started above and the first answers.
    return outcomes[0] as TriggerOutcome;
  };
  return async (event: unknown): Promise<TriggerOutcome> => {
    if (isSecurityHubEvent(event)) return fromSecurityHub(event);
    let finding;
    try {
      finding = parseFindingEvent(event);
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      deps.logger.error('rejected GuardDuty event', { reason: error.message });
      return { outcome: 'rejected', reason: error.message };
    }
    const decision = assessFinding(finding, policy);
    if (!decision.investigate) {
      deps.logger.info('ignored GuardDuty finding', { findingId: finding.id, reason: decision.reason });
      return { outcome: 'ignored', reason: decision.reason };
    }
    const executionName = executionNameForFinding(finding.id);
    const started = await startExecution(deps.clients.sfn, stateMachineArn, executionName, requestFromFinding(finding, deps.config.defaultCaptureMinutes));
    deps.logger.info(started.started ? 'investigation started' : 'finding already investigated', { findingId: finding.id, executionName });
    return { outcome: started.started ? 'started' : 'duplicate', executionName, executionArn: started.executionArn };
  };
};

export const handler = lambdaHandler(startInvestigation, { sfn: SFNClient });
