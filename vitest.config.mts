import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // Unit tests sit beside the code; the real-database suites live in tests/. Playwright's specs are not vitest's.
    include: ['src/**/*.test.ts', 'tests/**/*.test.ts'],
    exclude: ['tests/e2e/**', 'node_modules/**', 'out/**'],
    globalSetup: ['tests/harness/globalSetup.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 180_000,
    teardownTimeout: 60_000,
    // Every replication test decodes each row image twice (ours and zongji's) and fails on any difference.
    env: { CUTOVER_VERIFY_ROW_DECODING: '1' },
  },
})
