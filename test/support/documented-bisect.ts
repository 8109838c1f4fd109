// The `git bisect run` line of docs/bisect.md, run as a user would paste it: the tests take it from the page
// (so the page cannot drift from what works), and a project folder where tailmatrix is installed, which the
// page's `npx --prefix "$TAILMATRIX"` finds. The install is a link to these sources with a bin that runs them
// through tsx (no build step), which is what `npm install` of a folder makes, apart from the build.
import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../src/util/paths.js';

/** The shell variables the page sets: the folder tailmatrix is installed in, and the threshold. */
export const PREFIX_VARIABLE = 'TAILMATRIX';
export const THRESHOLD_VARIABLE = 'THRESHOLD';

/** The one `git bisect run …` line of the page's sh blocks, verbatim. */
export function documentedBisectRun(): string {
  const page = readFileSync(path.join(PACKAGE_ROOT, 'docs/bisect.md'), 'utf8');
  const blocks = [...page.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
  const lines = blocks.flatMap((b) => b.split('\n')).filter((l) => l.startsWith('git bisect run '));
  if (lines.length !== 1) throw new Error(`docs/bisect.md: expected one "git bisect run" line in its sh blocks, found ${lines.length}`);
  return lines[0]!;
}

/** A project folder with tailmatrix installed (package.json dependency, node_modules link, bin). */
export function projectWithTailmatrix(dir: string): string {
  mkdirSync(path.join(dir, 'node_modules', '.bin'), { recursive: true });
  writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: 'bisect-user', private: true, dependencies: { tailmatrix: `file:${PACKAGE_ROOT}` } }),
  );
  symlinkSync(PACKAGE_ROOT, path.join(dir, 'node_modules', 'tailmatrix'));
  // --import resolves against the working directory (the kernel tree): give tsx by absolute path.
  const tsx = createRequire(path.join(PACKAGE_ROOT, 'package.json')).resolve('tsx');
  const bin = path.join(dir, 'node_modules', '.bin', 'tailmatrix');
  writeFileSync(
    bin,
    `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} --import ${JSON.stringify(tsx)} ${JSON.stringify(path.join(PACKAGE_ROOT, 'test/support/cli.ts'))} "$@"\n`,
  );
  chmodSync(bin, 0o755);
  return dir;
}
