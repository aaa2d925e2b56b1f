import { defineProject } from 'vitest/config';

export default defineProject({
  // Workspace packages load from src/*.ts here (their `source` export condition); Node alone gets dist/.
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    name: 'ops-cli',
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/built-cli.setup.ts'],
    testTimeout: 60_000,
  },
});
