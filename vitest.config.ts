import { defineConfig } from 'vitest/config';

// One run over every workspace package, so CI ends on a single summary line.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*'],
    reporters: ['default', './tooling/summary-reporter.ts'],
  },
});
