import allowlist from './data/mirroring-instance-types.json';

export interface TypeSupport {
  supported: boolean;
  reason: string;
}

/**
 * Whether an instance type can be a Traffic Mirroring source, by AWS's published family list.
 * EC2 has no attribute for this, so the list is data (see the JSON file); the session create
 * call remains the final word and its error is reported as-is.
 */
export function mirroringSupport(instanceType: string): TypeSupport {
  const normalized = instanceType.trim().toLowerCase();
  const [family, size] = normalized.split('.', 2);
  if (!family || !size) {
    return { supported: false, reason: `"${instanceType}" is not an instance type (expected family.size, e.g. m5.large)` };
  }
  if (allowlist.notSupported.includes(family)) {
    return { supported: false, reason: `${instanceType}: the ${family} family is a previous generation that Traffic Mirroring does not support` };
  }
  const listed = allowlist.families.includes(family) || allowlist.familyPrefixes.some((prefix) => family.startsWith(prefix));
  if (!listed) {
    return { supported: false, reason: `${instanceType}: the ${family} family is not on AWS's Traffic Mirroring source list (as of ${allowlist.asOf})` };
  }
  const metalListed = allowlist.metalFamilies.includes(family) || allowlist.metalFamilyPrefixes.some((prefix) => family.startsWith(prefix));
  if (size.startsWith('metal') && !metalListed) {
    return { supported: false, reason: `${instanceType}: only Nitro v2 bare metal sizes can be mirrored, and ${family} metal is not one` };
  }
  return { supported: true, reason: `${instanceType} is on AWS's Traffic Mirroring source list` };
}
