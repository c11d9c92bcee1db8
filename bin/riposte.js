#!/usr/bin/env node
// Runs the TypeScript sources directly: Node 24 strips types natively, so a checkout needs no build step.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(`riposte needs Node.js 24 or newer (this is ${process.version}).\n`);
  process.exit(1);
}
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
