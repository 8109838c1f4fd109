import { defineConfig } from 'vitest/config';

// Every test must assert on every path it can take (test/support/assertions-setup.ts); projects do not inherit
// the root's setupFiles, so each names it.
const setupFiles = ['./test/support/assertions-setup.ts'];

// Three layers (docs/contributing.md): unit (pure, fast), integration (real QEMU + real kernels under TCG, local
// node:http servers), slow (kernel builds, long sweeps; only with TAILMATRIX_SLOW=1).
export default defineConfig({
  test: {
    passWithNoTests: true,
    // After everything: no tailmatrix-* temp folder and no QEMU of the suite left (test/support/global-setup.ts).
    globalSetup: ['./test/support/global-setup.ts'],
    reporters: ['default', './test/support/plain-summary-reporter.ts'],
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], setupFiles } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          setupFiles,
          testTimeout: 600_000,
          hookTimeout: 900_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'slow',
          include: process.env.TAILMATRIX_SLOW === '1' ? ['test/slow/**/*.test.ts'] : [],
          setupFiles,
          testTimeout: 5_400_000,
          hookTimeout: 5_400_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
