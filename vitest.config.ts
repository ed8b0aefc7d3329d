import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    setupFiles: ['test/setup-runtime.ts'],
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Real servers and namespaces: keep the 2-core machine from thrashing.
    maxWorkers: 2,
    fileParallelism: true,
    reporters: ['default'],
  },
});
