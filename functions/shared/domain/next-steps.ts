import { isIP } from 'node:net';
import type { VerdictLabel } from './verdict';

/**
 * What a responder does next, as AWS CLI commands for this instance they can copy. Every value
 * put into a command is an id the product validated (instance, ENI, VPC, subnet ids), an address
 * `isIP` accepts, or a name of letters, digits, dots and dashes; everything else is left out, so
 * a command cannot carry shell syntax from a finding. Command syntax follows the AWS CLI v2
 * reference pages named beside each step.
 */
export interface NextStep {
  id: 'isolate' | 'snapshot' | 'block-peer' | 'widen-capture' | 'flow-logs';
  title: string;
  why: string;
  commands: string[];
}

export interface NextStepInput {
  verdict: VerdictLabel;
  incidentId: string;
  region: string;
  instanceId: string;
  vpcId: string;
  subnetId?: string;
  networkInterfaceIds: string[];
  peerIps: string[];
  peerDomains: string[];
  captureMinutes: number;
  stateMachineArn?: string;
  /** The target could not be mirrored: isolation and evidence still apply, capture does not. */
  mirrorable: boolean;
}

const SAFE_ID = /^[a-z]+-[0-9a-f]{8,17}$/;
const SAFE_NAME = /^[A-Za-z0-9._-]{1,253}$/;
const SAFE_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]{1,80}$/;

const id = (v: string | undefined): string | undefined => (v !== undefined && SAFE_ID.test(v) ? v : undefined);

/** Step order: stop the harm, keep the evidence, cut the peer, then learn more. */
export function nextSteps(input: NextStepInput): NextStep[] {
  const instance = id(input.instanceId);
  const vpc = id(input.vpcId);
  if (!instance || !vpc) return [];
  const region = SAFE_NAME.test(input.region) ? input.region : 'us-east-1';
  const incident = SAFE_NAME.test(input.incidentId) ? input.incidentId.slice(0, 40) : 'incident';
  const enis = input.networkInterfaceIds.map(id).filter((e): e is string => e !== undefined);
  const steps: NextStep[] = [];

  // https://docs.aws.amazon.com/cli/latest/reference/ec2/create-security-group.html,
  // .../revoke-security-group-egress.html, .../modify-network-interface-attribute.html (--groups
  // replaces the ENI's set). Security groups are stateful: connections already tracked may
  // survive the swap (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/security-group-connection-tracking.html).
  steps.push({
    id: 'isolate',
    title: 'Isolate the instance (security-group swap)',
    why: 'A group with no rules stops new traffic in and out; the instance keeps running, so memory and disks stay intact for forensics. Connections already tracked may persist until they go idle.',
    commands: [
      `SG=$(aws ec2 create-security-group --region ${region} --vpc-id ${vpc} --group-name mirrorhunt-isolate-${incident} --description "mirrorhunt isolation for ${instance}" --query GroupId --output text)`,
      `aws ec2 revoke-security-group-egress --region ${region} --group-id "$SG" --ip-permissions '[{"IpProtocol":"-1","IpRanges":[{"CidrIp":"0.0.0.0/0"}]}]'`,
      ...(enis.length > 0 ? enis : [`<each ENI of ${instance}>`]).map((eni) => `aws ec2 modify-network-interface-attribute --region ${region} --network-interface-id ${eni} --groups "$SG"`),
    ],
  });

  // https://docs.aws.amazon.com/cli/latest/reference/ec2/create-snapshots.html
  steps.push({
    id: 'snapshot',
    title: 'Snapshot every volume',
    why: 'Crash-consistent snapshots of all attached EBS volumes, tagged with the incident, before anyone reboots or rebuilds the instance.',
    commands: [
      `aws ec2 create-snapshots --region ${region} --instance-specification InstanceId=${instance},ExcludeBootVolume=false --description "mirrorhunt ${incident}" --copy-tags-from-source volume --tag-specifications 'ResourceType=snapshot,Tags=[{Key=mirrorhunt:incident,Value=${incident}}]'`,
    ],
  });

  const ips = input.peerIps.filter((ip) => isIP(ip) !== 0);
  const domains = input.peerDomains.filter((d) => SAFE_NAME.test(d));
  const subnet = id(input.subnetId);
  if (ips.length > 0 || domains.length > 0) {
    // https://docs.aws.amazon.com/cli/latest/reference/ec2/create-network-acl-entry.html: rules
    // are evaluated lowest number first, so the deny must sit below the subnet's allow rules.
    const acl = subnet
      ? [`ACL=$(aws ec2 describe-network-acls --region ${region} --filters Name=association.subnet-id,Values=${subnet} --query 'NetworkAcls[0].NetworkAclId' --output text)`]
      : [`ACL=<the network ACL of ${instance}'s subnet>`];
    const entries = ips.flatMap((ip, i) => {
      const cidr = isIP(ip) === 6 ? `--ipv6-cidr-block ${ip}/128` : `--cidr-block ${ip}/32`;
      const rule = 10 + i;
      return [
        `aws ec2 create-network-acl-entry --region ${region} --network-acl-id "$ACL" --egress --rule-number ${rule} --protocol -1 --rule-action deny ${cidr}`,
        `aws ec2 create-network-acl-entry --region ${region} --network-acl-id "$ACL" --ingress --rule-number ${rule} --protocol -1 --rule-action deny ${cidr}`,
      ];
    });
    // https://docs.aws.amazon.com/cli/latest/reference/route53resolver/update-firewall-domains.html
    const dns = domains.map(
      (d) => `aws route53resolver update-firewall-domains --region ${region} --firewall-domain-list-id <your DNS Firewall block list> --operation ADD --domains ${d} '*.${d}'`,
    );
    steps.push({
      id: 'block-peer',
      title: `Block the peer (${[...ips, ...domains].join(', ')})`,
      why: `Network ACL deny rules on ${subnet ?? "the instance's subnet"} cut the peer off for every host in it (rule numbers ${ips.length > 0 ? `10..${9 + ips.length}` : '-'}: pick free numbers below your allow rules); a Route 53 Resolver DNS Firewall block list stops the name resolving.`,
      commands: [...(ips.length > 0 ? [...acl, ...entries] : []), ...dns],
    });
  }

  if (input.mirrorable) {
    const minutes = Math.min(24 * 60, Math.max(input.captureMinutes * 4, 360));
    const machine = input.stateMachineArn && SAFE_ARN.test(input.stateMachineArn) ? input.stateMachineArn : '<InvestigateStateMachineArn from the stack outputs>';
    steps.push({
      id: 'widen-capture',
      title: `Widen the capture (${minutes} minutes)`,
      why:
        input.verdict === 'not-confirmed'
          ? 'Nothing decisive in this window: a beacon may sleep longer, and RITA-style duration scoring needs hours of data.'
          : 'A longer capture shows what else the instance talks to, and gives the beacon scores their duration component.',
      commands: [`npx mirrorhunt start --instance ${instance} --minutes ${minutes} --reason "follow-up of ${incident}" --state-machine-arn ${machine} --region ${region}`],
    });
  } else {
    // https://docs.aws.amazon.com/cli/latest/reference/ec2/create-flow-logs.html
    steps.push({
      id: 'flow-logs',
      title: 'Record flow logs instead of packets',
      why: 'The instance cannot be a mirror source; VPC Flow Logs still record who it talks to (addresses, ports, bytes), without payloads.',
      commands: (enis.length > 0 ? enis : [`<each ENI of ${instance}>`]).map(
        (eni) => `aws ec2 create-flow-logs --region ${region} --resource-type NetworkInterface --resource-ids ${eni} --traffic-type ALL --log-destination-type s3 --log-destination arn:aws:s3:::<your flow log bucket>/mirrorhunt/${incident}/`,
      ),
    });
  }
  return steps;
}
