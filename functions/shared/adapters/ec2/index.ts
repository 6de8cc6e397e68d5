/**
 * The EC2 adapter, by resource: instances, network (VPCs and route tables), security groups,
 * traffic mirroring, and the inventory scan teardown and the sweeper share. Every call goes
 * through `call.ts`, the one place EC2 errors are translated.
 */
export * from './call';
export * from './instances';
export * from './inventory';
export * from './mirroring';
export * from './network';
export * from './security-groups';
