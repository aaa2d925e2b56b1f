import { defineProject } from 'vitest/config';

export default defineProject({
  // Workspace packages load from src/*.ts here (their `source` export condition); Node alone gets dist/.
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    name: 'db',
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    testTimeout: 20_000,
  },
});
