// Hints name the command the user has: bare `tailmatrix` only when that name on PATH is this very script
// (global install, npm link); `npx tailmatrix` for the README's per-project install. Real files and links.
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forUser, userCommand } from '../../src/cli/invocation.js';

let dir: string;
let script: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'tm-invocation-'));
  // As npm lays out a project install: node_modules/tailmatrix/bin/tailmatrix.js, linked from node_modules/.bin.
  script = path.join(dir, 'project', 'node_modules', 'tailmatrix', 'bin', 'tailmatrix.js');
  await mkdir(path.dirname(script), { recursive: true });
  await writeFile(script, '#!/usr/bin/env node\n');
  await chmod(script, 0o755);
  await mkdir(path.join(dir, 'project', 'node_modules', '.bin'));
  await symlink(script, path.join(dir, 'project', 'node_modules', '.bin', 'tailmatrix'));
  // Another tailmatrix, elsewhere on PATH (another version installed globally).
  await mkdir(path.join(dir, 'global-bin'));
  await writeFile(path.join(dir, 'global-bin', 'tailmatrix'), '#!/bin/sh\n');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('the command hints name', () => {
  it('is npx tailmatrix for a per-project install, whose bin is not on PATH', () => {
    expect(userCommand(script, { PATH: '/usr/bin:/bin' })).toBe('npx tailmatrix');
  });
  it('is npx tailmatrix when the tailmatrix on PATH is another copy', () => {
    expect(userCommand(script, { PATH: path.join(dir, 'global-bin') })).toBe('npx tailmatrix');
  });
  it('is tailmatrix when PATH leads to this very script (npm exec, npm run, a global install)', () => {
    expect(userCommand(script, { PATH: `${path.join(dir, 'project', 'node_modules', '.bin')}:/usr/bin` })).toBe('tailmatrix');
  });
  it('rewrites the hints of library messages, and nothing else', () => {
    const msg =
      '--frozen-lockfile: kernel "a" is not in the lockfile (run `tailmatrix lock`); get it: tailmatrix setup (or: apt-get install qemu); tailmatrix 0.1.0, /x/tailmatrix-run';
    expect(forUser(msg, 'npx tailmatrix')).toBe(
      '--frozen-lockfile: kernel "a" is not in the lockfile (run `npx tailmatrix lock`); get it: npx tailmatrix setup (or: apt-get install qemu); tailmatrix 0.1.0, /x/tailmatrix-run',
    );
    expect(forUser(msg, 'tailmatrix')).toBe(msg);
  });
});
