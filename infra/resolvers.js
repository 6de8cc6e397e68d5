'use strict';
/**
 * Values serverless.yml computes at package time (`${file(./infra/resolvers.js):name}`).
 *
 * `pattern`: the EventBridge pattern for the GuardDuty findings worth a sensor, built at package time from the
 * same data file startInvestigation reads, so the rule and the handler cannot drift apart.
 * The `minSeverity` and `findingTypes` params override the file (see docs/deploy.md).
 */
const findingTypes = require('../functions/shared/domain/data/finding-types.json');

/** Entries ending in `*` match by prefix; EventBridge `wildcard` keeps the name as written. */
function typeMatcher(type) {
  return type.includes('*') ? { wildcard: type } : type;
}

function parseTypes(raw) {
  if (Array.isArray(raw)) return raw.map(String).filter((t) => t.length > 0);
  if (typeof raw !== 'string' || raw.trim() === '') return findingTypes.types;
  return raw.split(',').map((t) => t.trim()).filter((t) => t.length > 0);
}

function buildPattern(minSeverity, types) {
  const floor = Number(minSeverity);
  if (!Number.isFinite(floor) || floor < 0 || floor > 10) {
    throw new Error(`minSeverity must be a number between 0 and 10, got ${JSON.stringify(minSeverity)}`);
  }
  if (types.length === 0) throw new Error('findingTypes must name at least one GuardDuty finding type');
  return {
    source: ['aws.guardduty'],
    'detail-type': ['GuardDuty Finding'],
    detail: {
      resource: { resourceType: ['Instance'] },
      severity: [{ numeric: ['>=', floor] }],
      type: types.map(typeMatcher),
    },
  };
}

module.exports.buildPattern = buildPattern;
module.exports.parseTypes = parseTypes;
module.exports.pattern = async ({ resolveVariable }) => {
  const minSeverity = await resolveVariable('param:minSeverity');
  const types = await resolveVariable('param:findingTypes');
  return buildPattern(minSeverity, parseTypes(types));
};

/** 'true' when the functions run in a VPC (param `vpc`), so their roles get ENI permissions. */
module.exports.hasVpc = async ({ resolveVariable }) => {
  const vpc = await resolveVariable('param:vpc, null');
  return vpc ? 'true' : 'false';
};
