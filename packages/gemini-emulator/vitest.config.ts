import { defineProject } from 'vitest/config';

export default defineProject({
  // Workspace packages load from src/*.ts here (their `source` export condition); Node alone gets dist/.
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    name: 'gemini-emulator',
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
  },
});
