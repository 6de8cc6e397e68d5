import findingTypes from '../../../functions/shared/domain/data/finding-types.json';

// The resolver is plain CommonJS so serverless can load it at package time without a TS loader.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { buildPattern, parseTypes } = require('../../../infra/resolvers.js') as {
  buildPattern: (minSeverity: unknown, types: string[]) => { detail: { severity: unknown; type: unknown[] } };
  parseTypes: (raw: unknown) => string[];
};

describe('finding pattern resolver', () => {
  it('uses the finding-type data file when no override is given', () => {
    // Prepare / Act
    const types = parseTypes('');

    // Assess
    expect(types).toEqual(findingTypes.types);
  });

  it('turns entries ending in * into EventBridge wildcard matchers and keeps exact names as strings', () => {
    // Act
    const pattern = buildPattern(4, ['Backdoor:EC2/DenialOfService.*', 'Recon:EC2/Portscan']);

    // Assess
    expect(pattern.detail.type).toEqual([{ wildcard: 'Backdoor:EC2/DenialOfService.*' }, 'Recon:EC2/Portscan']);
  });

  it('reads a comma list override and trims it', () => {
    expect(parseTypes(' Recon:EC2/Portscan , Trojan:EC2/DropPoint ,')).toEqual(['Recon:EC2/Portscan', 'Trojan:EC2/DropPoint']);
  });

  it('matches severity numerically from the floor given as a param string', () => {
    expect(buildPattern('7', ['Recon:EC2/Portscan']).detail.severity).toEqual([{ numeric: ['>=', 7] }]);
  });

  it('refuses a severity floor outside 0..10 instead of deploying a rule that never fires', () => {
    expect(() => buildPattern('11', ['Recon:EC2/Portscan'])).toThrow(/minSeverity/);
  });
});
