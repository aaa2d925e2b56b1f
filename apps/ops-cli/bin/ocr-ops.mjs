#!/usr/bin/env node
// The built CLI: plain Node, no TypeScript loader, so a command starts in ~0.1 s.
// `pnpm ocr-ops` (scripts/ensure-built.mjs) rebuilds it first when the sources changed.
let main;
try {
  ({ main } = await import('../dist/main.js'));
} catch (error) {
  // Its own dist/ or a workspace package's (client, db) not built yet: say what to run.
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('/dist/')) throw error;
  process.stderr.write(
    `ocr-ops: not built yet (${error.message.split('\n')[0]}).\nRun \`pnpm build\`, or \`pnpm ocr-ops …\`, which builds first.\n`,
  );
  process.exit(1);
}
process.exitCode = await main(process.argv.slice(2));
