// `run --tree` takes `build`'s build flags under the same names (--ref, --base or --config, --fragment,
// --make-jobs), and -j/--jobs means one thing: cells at once in `run`; `build -j`/`bisect -j` (make's jobs
// until now) name their new spelling instead of silently meaning something else. Parsed by the real
// command tree; the run's action is replaced so nothing is fetched or booted.
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildProgram, main } from '../../src/cli/main.js';
import { runInput, type RunCommandOptions } from '../../src/cli/commands/run.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import type { RunInput } from '../../src/engine/run.js';

/** What `tailmatrix run ARGS` hands the engine. */
async function parsedRun(args: string[]): Promise<RunInput> {
  const program = buildProgram(() => undefined);
  let input: RunInput | undefined;
  program.commands
    .find((c) => c.name() === 'run')!
    .action((opts: RunCommandOptions) => {
      input = runInput(opts);
    });
  await program.parseAsync(['node', 'tailmatrix', 'run', ...args]);
  expect(input).toBeDefined();
  return input!;
}

let stderr = '';
beforeEach(() => {
  stderr = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterEach(() => vi.restoreAllMocks());

describe('build flags under one name', () => {
  it("run --tree takes build's flags: --ref, --config, --fragment, --make-jobs; -j is cells at once", async () => {
    const input = await parsedRun([
      '--tree',
      'patched=/src/linux',
      '--ref',
      'v6.1',
      '--config',
      'my.config',
      '--fragment',
      'bpf.config',
      '--make-jobs',
      '3',
      '-j',
      '2',
    ]);
    expect(input.tree).toBe('patched=/src/linux');
    expect(input.treeBuild).toEqual({ ref: 'v6.1', base: undefined, config: 'my.config', fragments: ['bpf.config'], makeJobs: 3 });
    expect(input.runner?.parallel).toBe(2);
    expect((await parsedRun(['--jobs', '3'])).runner?.parallel).toBe(3);
    // The older spelling of cells at once means the same and still works.
    expect((await parsedRun(['--parallel', '4'])).runner?.parallel).toBe(4);
  });

  it('a bad --make-jobs or both spellings of cells at once are refused with the flag named (exit 64)', async () => {
    expect(await main(['node', 'tailmatrix', 'run', '--tree', '/src/linux', '--make-jobs', 'many'])).toBe(EXIT.badInput);
    expect(stderr).toContain('--make-jobs many: expected a whole number');
    expect(await main(['node', 'tailmatrix', 'run', '-j', '2', '--parallel', '2'])).toBe(EXIT.badInput);
    expect(stderr).toContain('-j/--jobs and --parallel are the same flag');
  });

  it.each(['build', 'bisect'])('%s -j N names --make-jobs N instead of meaning something else than in run', async (cmd) => {
    const args =
      cmd === 'build'
        ? ['--tree', '/src/linux']
        : ['--tree', '/src/linux', '--good', 'v6.0', '--bad', 'v6.1', '--metric', 'direct', '--threshold', '20'];
    expect(await main(['node', 'tailmatrix', cmd, ...args, '-j', '4'])).toBe(EXIT.badInput);
    expect(stderr).toContain(`${cmd} -j/--jobs 4: make's parallel jobs are now --make-jobs 4`);
  });

  it('build --config and --base together are refused: the config is the base', async () => {
    const cfg = path.join(import.meta.dirname, '..', '..', 'kernels', 'configs', 'tailmatrix.config');
    expect(await main(['node', 'tailmatrix', 'build', '--tree', '/src/linux', '--config', cfg, '--base', 'defconfig'])).toBe(EXIT.badInput);
    expect(stderr).toContain('--config FILE is the base config: give it or --base, not both');
  });
});
