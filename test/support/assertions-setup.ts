// Registered for every project in vitest.config.ts: a test that ends without a single assertion fails, whatever
// path it took. An early `return` on a machine that lacks something (no /dev/kvm, no `unshare -n`) used to pass
// silently; now the test has to assert what the product does there, or fail saying what is missing.
import { beforeEach, expect } from 'vitest';

beforeEach(() => {
  expect.hasAssertions();
});
