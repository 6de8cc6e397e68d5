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

// ---- The standing sensor fleet (infra/fleet.yml, params fleet*) ----

const FLEET_MODES = ['off', 'managed', 'byo'];
/** Where fleet sensors write, inside the log bucket: their own prefix, apart from incident captures. */
const FLEET_LOG_PREFIX = 'fleet/zeek/';
const FLEET_STATUS_PREFIX = 'fleet/sensor-status/';
const BUCKET_PLACEHOLDER = 'mirrorhunt-log-bucket-placeholder';

let tsModules;
/**
 * Loads one of the functions' TypeScript modules at package time (esbuild is already a dependency
 * of the build), so the fleet's filter rules and user data come from the same domain code the
 * incident workflow uses instead of a copy that could drift.
 */
function loadTs(relativePath) {
  tsModules ??= new Map();
  const path = require('node:path');
  const file = path.join(__dirname, '..', relativePath);
  if (!tsModules.has(file)) {
    const Module = require('node:module');
    const built = require('esbuild').buildSync({ entryPoints: [file], bundle: true, write: false, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'silent' });
    const mod = new Module(file);
    mod.filename = file;
    mod._compile(built.outputFiles[0].text, file);
    tsModules.set(file, mod.exports);
  }
  return tsModules.get(file);
}

function csvList(raw) {
  if (Array.isArray(raw)) return raw.map((v) => String(v).trim()).filter((v) => v.length > 0);
  if (raw === undefined || raw === null) return [];
  return String(raw).split(',').map((v) => v.trim()).filter((v) => v.length > 0);
}

const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
const IPV6_CIDR = /^[0-9a-fA-F:]+\/(\d{1,3})$/;

function checkCidr(cidr) {
  const v4 = IPV4_CIDR.exec(cidr);
  if (v4 && v4.slice(1, 5).every((o) => Number(o) <= 255) && Number(v4[5]) <= 32) return cidr;
  const v6 = IPV6_CIDR.exec(cidr);
  if (v6 && cidr.includes(':') && Number(v6[1]) <= 128) return cidr;
  throw new Error(`fleetVpcCidrs: "${cidr}" is not an IPv4 or IPv6 CIDR block`);
}

/**
 * The fleet settings, validated once: a typo in fleetMode or a missing subnet list fails the
 * package step with the param's name instead of deploying a fleet that silently does nothing.
 */
function fleetSettings(raw) {
  const mode = String(raw.fleetMode ?? 'off').trim() || 'off';
  if (!FLEET_MODES.includes(mode)) throw new Error(`fleetMode must be one of ${FLEET_MODES.join(', ')}, got ${JSON.stringify(raw.fleetMode)}`);
  const settings = { mode, vpcId: '', subnetIds: [], cidrs: { ipv4: [], ipv6: [] }, targetId: '', filterId: '' };
  if (mode === 'managed') {
    settings.vpcId = String(raw.fleetVpcId ?? '').trim();
    if (!/^vpc-[0-9a-f]{8,17}$/.test(settings.vpcId)) throw new Error(`fleetMode managed needs fleetVpcId: "vpc-" and 8 to 17 lower-case hex digits, got ${JSON.stringify(raw.fleetVpcId)}`);
    settings.subnetIds = csvList(raw.fleetSubnetIds);
    if (settings.subnetIds.length === 0) throw new Error('fleetMode managed needs fleetSubnetIds: a comma list of private subnets of fleetVpcId, ideally one per Availability Zone');
    const bad = settings.subnetIds.filter((s) => !/^subnet-[0-9a-f]{8,17}$/.test(s));
    if (bad.length > 0) throw new Error(`fleetSubnetIds: not subnet ids: ${bad.join(', ')}`);
    const cidrs = csvList(raw.fleetVpcCidrs).map(checkCidr);
    settings.cidrs = { ipv4: cidrs.filter((c) => !c.includes(':')), ipv6: cidrs.filter((c) => c.includes(':')) };
    if (settings.cidrs.ipv4.length === 0) throw new Error('fleetMode managed needs fleetVpcCidrs: every IPv4 (and IPv6) CIDR associated with fleetVpcId');
  }
  if (mode === 'byo') {
    settings.targetId = String(raw.fleetTargetId ?? '').trim();
    settings.filterId = String(raw.fleetFilterId ?? '').trim();
    if (!/^tmt-[0-9a-f]{8,17}$/.test(settings.targetId)) throw new Error(`fleetMode byo needs fleetTargetId (tmt-...), got ${JSON.stringify(raw.fleetTargetId)}`);
    if (!/^tmf-[0-9a-f]{8,17}$/.test(settings.filterId)) throw new Error(`fleetMode byo needs fleetFilterId (tmf-...), got ${JSON.stringify(raw.fleetFilterId)}`);
  }
  return settings;
}

/** Filter rule resources (one per rule), from the domain's east/west filter. */
function fleetFilterRuleResources(settings) {
  if (settings.mode !== 'managed') return {};
  const { eastWestFilterRules } = loadTs('functions/shared/domain/filter-rules.ts');
  const resources = {};
  for (const rule of eastWestFilterRules(settings.cidrs)) {
    const id = `FleetFilterRule${rule.direction === 'ingress' ? 'Ingress' : 'Egress'}${rule.ruleNumber}`;
    resources[id] = {
      Type: 'AWS::EC2::TrafficMirrorFilterRule',
      Condition: 'FleetManaged',
      Properties: {
        TrafficMirrorFilterId: { Ref: 'FleetMirrorFilter' },
        TrafficDirection: rule.direction,
        RuleNumber: rule.ruleNumber,
        RuleAction: rule.action,
        SourceCidrBlock: rule.sourceCidrBlock,
        DestinationCidrBlock: rule.destinationCidrBlock,
        Description: rule.description,
      },
    };
  }
  return resources;
}

/** VXLAN from the mirror sources and the load balancer's health checks: both come from inside the VPC. */
function fleetIngressRules(settings) {
  const rules = [];
  for (const cidr of [...settings.cidrs.ipv4, ...settings.cidrs.ipv6]) {
    const range = cidr.includes(':') ? { CidrIpv6: cidr } : { CidrIp: cidr };
    rules.push({ IpProtocol: 'udp', FromPort: 4789, ToPort: 4789, ...range, Description: 'mirrored traffic (VXLAN) via the load balancer' });
    rules.push({ IpProtocol: 'tcp', FromPort: 8080, ToPort: 8080, ...range, Description: 'load balancer health check (shipper)' });
  }
  return rules;
}

/**
 * The fleet sensors' user data: rendered by the same function launchSensor uses, in fleet mode,
 * with the bucket name joined in by CloudFormation (it is only known at deploy time).
 */
function fleetUserDataValue(rotateSeconds) {
  const { renderSensorUserData } = loadTs('functions/shared/domain/user-data.ts');
  const text = renderSensorUserData({
    incidentId: 'fleet',
    bucket: BUCKET_PLACEHOLDER,
    prefix: FLEET_LOG_PREFIX,
    vni: 0,
    rotateSeconds: Number(rotateSeconds),
    mode: 'fleet',
    statusPrefix: FLEET_STATUS_PREFIX,
  });
  const parts = text.split(BUCKET_PLACEHOLDER);
  if (parts.length !== 2) throw new Error('fleet user data: expected the bucket name exactly once');
  return { 'Fn::Base64': { 'Fn::Join': ['', [parts[0], { Ref: 'LogBucket' }, parts[1]]] } };
}

/**
 * An error osls prints as its message alone: it prints `error.stack` when there is one, and a
 * param typo is a user's mistake, not a bug to trace.
 */
function paramError(message) {
  const error = new Error(message);
  error.stack = message;
  return error;
}

async function rawFleetParams(resolveVariable) {
  const names = ['fleetMode', 'fleetVpcId', 'fleetSubnetIds', 'fleetVpcCidrs', 'fleetTargetId', 'fleetFilterId'];
  const raw = {};
  for (const name of names) raw[name] = await resolveVariable(`param:${name}, ''`);
  return raw;
}

async function resolvedFleetSettings(resolveVariable) {
  const raw = await rawFleetParams(resolveVariable);
  try {
    return fleetSettings(raw);
  } catch (error) {
    throw paramError(error.message);
  }
}

/**
 * The settings for every fleet resolver but `fleetMode`. osls reports each variable that fails,
 * so one bad fleet param failing all of them printed the same error a dozen times. `fleetMode`
 * (read by infra/fleet.yml's conditions, always part of the stack) reports it; the others fall
 * back to "no fleet", which is never packaged because that report fails the package.
 */
async function fleetSettingsOrOff(resolveVariable) {
  // Outside the try: osls signals a param not resolved yet by throwing, and retries the caller.
  const raw = await rawFleetParams(resolveVariable);
  try {
    return fleetSettings(raw);
  } catch {
    return fleetSettings({});
  }
}

module.exports.FLEET_LOG_PREFIX = FLEET_LOG_PREFIX;
module.exports.FLEET_STATUS_PREFIX = FLEET_STATUS_PREFIX;
module.exports.fleetSettings = fleetSettings;
module.exports.fleetFilterRuleResources = fleetFilterRuleResources;
module.exports.fleetIngressRules = fleetIngressRules;
module.exports.fleetUserDataValue = fleetUserDataValue;
module.exports.fleetMode = async ({ resolveVariable }) => (await resolvedFleetSettings(resolveVariable)).mode;
/** The same mode for a second reader (the FleetByo condition), which leaves the report to fleetMode. */
module.exports.fleetModeOrOff = async ({ resolveVariable }) => (await fleetSettingsOrOff(resolveVariable)).mode;
/** Whether the auto-mirroring rules and the reconciler schedule are enabled: only with a fleet to mirror to. */
module.exports.fleetEnabled = async ({ resolveVariable }) => (await fleetSettingsOrOff(resolveVariable)).mode !== 'off';
module.exports.fleetSubnetIds = async ({ resolveVariable }) => (await fleetSettingsOrOff(resolveVariable)).subnetIds;
/**
 * The fleet's VPC id; without a managed fleet a placeholder in the VPC id format. The resources
 * that carry it have the FleetManaged condition, and CloudFormation "ignores entities that are
 * associated with a false condition" (CloudFormation user guide, Conditions syntax), but cfn-lint
 * checks their properties anyway: '' is not a VPC id (E1151), and no VpcId at all is a missing
 * required property (E3681, E3021). Same idea as the sensorAmiId placeholder.
 */
const VPC_PLACEHOLDER = 'vpc-00000000000000000';
module.exports.fleetVpcId = async ({ resolveVariable }) => {
  const settings = await fleetSettingsOrOff(resolveVariable);
  return settings.mode === 'managed' ? settings.vpcId : VPC_PLACEHOLDER;
};
module.exports.fleetIngress = async ({ resolveVariable }) => fleetIngressRules(await fleetSettingsOrOff(resolveVariable));
module.exports.fleetFilterRules = async ({ resolveVariable }) => ({ Resources: fleetFilterRuleResources(await fleetSettingsOrOff(resolveVariable)) });
module.exports.fleetUserData = async ({ resolveVariable }) => fleetUserDataValue(await resolveVariable('param:fleetRotateSeconds'));

/**
 * The VPCs auto-mirroring covers (MIRROR_VPC_IDS). A managed fleet's sensors admit VXLAN only from
 * fleetVpcCidrs, and the load balancer keeps the mirror source's address, so a session from any
 * other VPC would bill and deliver nothing: with a managed fleet the scope defaults to the fleet's
 * VPC, and naming another VPC is refused at package time. Off and byo: the param as given.
 */
function mirrorVpcIdsFor(settings, raw) {
  const listed = String(raw ?? '').split(',').map((v) => v.trim()).filter(Boolean);
  if (settings.mode !== 'managed') return listed.join(',');
  if (listed.length === 0) return settings.vpcId;
  const outside = listed.filter((v) => v !== settings.vpcId);
  if (outside.length > 0) {
    throw new Error(`mirrorVpcIds names ${outside.join(', ')}, outside the managed fleet's VPC ${settings.vpcId}: its sensors admit mirrored traffic only from fleetVpcCidrs, so those sessions would deliver nothing`);
  }
  return listed.join(',');
}
module.exports.mirrorVpcIdsFor = mirrorVpcIdsFor;
module.exports.mirrorVpcIds = async ({ resolveVariable }) => {
  const raw = await resolveVariable("param:mirrorVpcIds, ''");
  try {
    return mirrorVpcIdsFor(await fleetSettingsOrOff(resolveVariable), raw);
  } catch (error) {
    throw paramError(error.message);
  }
};
