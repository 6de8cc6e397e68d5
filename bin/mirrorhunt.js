#!/usr/bin/env node
// The `mirrorhunt` command: runs the TypeScript CLI (bin/mirrorhunt.ts) through tsx, so it works
// from a checkout (`npx mirrorhunt ...` after `npm ci`) and from an installed package without a
// build step. It registers both of tsx's hooks, as the tsx command does: the CommonJS one for the
// CLI's own modules, the ESM one for the dynamic import() each command is loaded with (with the
// CommonJS hook alone, Node's ESM loader gets those and cannot resolve a .ts file).
'use strict';
require('tsx/cjs/api').register();
// tsx/esm/api's CommonJS build resolves its loader against the wrong folder (tsx 4.23); its ESM
// build, loaded with import(), does not.
import('tsx/esm/api')
  .then(({ register }) => {
    register();
    return require('./mirrorhunt.ts').run(process.argv.slice(2));
  })
  .catch((error) => {
    process.stderr.write(`mirrorhunt: cannot start: ${error && error.message ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
