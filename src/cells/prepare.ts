// Decide what a run does before anything runs: which matrix (the file, plus the user's own kernel),
// which cells, which run directory, and which cells a resumed run already has.
import { copyFile, stat } from 'node:fs/promises';
import { isFile } from '../util/fs.js';
import path from 'node:path';
import { ARCHES, type Arch } from '../arch/index.js';
import { imageFormat } from '../kernels/image-format.js';
import { buildSource, type Kernel, type Matrix } from '../matrix/schema.js';
import { lockPathFor } from '../matrix/lock.js';
import { parseMatrix } from '../matrix/load.js';
import { readRunDir } from '../results/load.js';
import { runFile, runLockFile } from '../results/layout.js';
import { newRunId } from '../results/store.js';
import { err, ok, type Result } from '../util/result.js';
import { planCells, type Cell } from './plan.js';

export interface RunRequest {
  matrix: Matrix;
  matrixFile: string;
  /** `--kernel` values: matrix ids, or paths to a kernel image. */
  kernelArgs: readonly string[];
  /** `--arch`: the architecture of the `--kernel` images (absent: each image's header says). */
  kernelArch?: Arch;
  boots: readonly string[];
  benches: readonly string[];
  tree?: string;
  patches: readonly string[];
  /** `build`'s flags for --tree: --ref, --base or --config, --fragment, --make-jobs (absent: the schema's defaults). */
  treeBuild?: TreeBuildFlags;
  compareWith: readonly string[];
  resume?: string;
  resultsRoot: string;
  now?: Date;
}

export interface TreeBuildFlags {
  ref?: string;
  base?: 'tinyconfig' | 'defconfig' | 'vng';
  /** The user's own complete .config as the base (instead of `base`); the fragments still go on top. */
  config?: string;
  fragments?: readonly string[];
  /** make's parallel jobs (not a build input: the same kernel comes out). */
  makeJobs?: number;
}

export interface PreparedRun {
  runId: string;
  runDir: string;
  matrix: Matrix;
  matrixFile: string;
  lockFile: string;
  cells: Cell[];
  /** Cells that already have a result (resume): they are not run again. */
  done: Set<string>;
  /** The user's own kernels (--tree, --kernel PATH): the run is for them, so their failing to build stops it. */
  userKernels: string[];
  resumed: boolean;
}

/** A short id for the user's own kernel, derived from its path ("bzImage" alone says little). */
export function userKernelId(prefix: string, p: string): string {
  const parts = path.resolve(p).split(path.sep).filter(Boolean);
  const name = parts
    .slice(-2)
    .join('-')
    .replace(/[^A-Za-z0-9._-]/g, '-');
  return `${prefix}-${name}`.slice(0, 60);
}

/** `ID=PATH`: the id the user gives their kernel (the cell's kernel id in results and reports). */
const NAMED = /^([A-Za-z0-9][A-Za-z0-9._-]*)=(.+)$/;

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

/**
 * `--kernel`/`--tree` value → the id and the path. A value that is itself an existing path stays a path
 * (a file name may hold "="); otherwise `ID=PATH` names the kernel; else the id comes from the path.
 */
async function namedPath(prefix: string, value: string): Promise<{ id: string; path: string; named: boolean }> {
  const m = NAMED.exec(value);
  if (m !== null && !(await exists(value))) return { id: m[1]!, path: m[2]!, named: true };
  return { id: userKernelId(prefix, value), path: value, named: false };
}

/**
 * The architecture of an image given with `--kernel`: the one `--arch` names, else the one whose header the
 * image has. An image of no known format stays amd64, so the fetch refuses it saying what the file is
 * (src/arch/amd64.ts), as it does any local kernel.
 */
async function imageArch(file: string, chosen: Arch | undefined): Promise<Arch> {
  if (chosen !== undefined) return chosen;
  for (const arch of ARCHES) if ((await imageFormat(file, arch)).ok) return arch;
  return 'amd64';
}

/** Split `--kernel` into matrix ids and image paths, and add `--tree` as a build kernel. */
async function userKernels(r: RunRequest): Promise<Result<{ ids: string[]; added: Kernel[] }, string[]>> {
  const known = new Set(r.matrix.kernels.map((k) => k.id));
  const ids: string[] = [];
  const added: Kernel[] = [];
  const errors: string[] = [];
  // A name the user chose must not pass another kernel's results off as theirs (or theirs as a reference's).
  const taken = (flag: string, value: string, id: string): boolean => {
    const clash = known.has(id) ? 'a kernel of the matrix' : added.some((k) => k.id === id) ? 'another of your kernels' : undefined;
    if (clash !== undefined) errors.push(`${flag} ${value}: the id "${id}" is already ${clash}; choose another (ID=PATH)`);
    return clash !== undefined;
  };
  for (const arg of r.kernelArgs) {
    if (known.has(arg)) {
      ids.push(arg);
      continue;
    }
    const k = await namedPath('local', arg);
    if (!(await isFile(k.path)))
      errors.push(
        `--kernel ${arg}: neither a kernel id of the matrix (${[...known].join(', ')}) nor a kernel image file${k.named ? ` (${k.path})` : ''}`,
      );
    else if (!taken('--kernel', arg, k.id))
      added.push({ id: k.id, arch: await imageArch(k.path, r.kernelArch), source: { type: 'local', path: path.resolve(k.path) } });
  }
  const b = r.treeBuild ?? {};
  if (r.tree !== undefined) {
    const t = await namedPath('tree', r.tree);
    const fragments = b.fragments !== undefined && b.fragments.length > 0 ? b.fragments.map((f) => path.resolve(f)) : undefined;
    if (b.config !== undefined && b.base !== undefined) errors.push('--config FILE is the base config: give it or --base, not both');
    else if (!taken('--tree', r.tree, t.id))
      added.push({
        id: t.id,
        // --arch arm64 cross-compiles the tree (src/kernels/from-source/ takes ARCH and CROSS_COMPILE from src/arch/).
        arch: r.kernelArch ?? 'amd64',
        // As `tailmatrix build --tree`: --ref, --base or --config, and --fragment, else the schema's defaults (the
        // project's minimal benchmark config on tinyconfig, the tree as checked out now).
        source: buildSource.parse({
          type: 'build',
          tree: path.resolve(t.path),
          patches: r.patches.map((p) => path.resolve(p)),
          ...(b.ref !== undefined ? { ref: b.ref } : {}),
          ...(b.base !== undefined ? { base: b.base } : {}),
          ...(b.config !== undefined ? { config: path.resolve(b.config) } : {}),
          ...(fragments !== undefined ? { fragments } : {}),
        }),
      });
  } else {
    if (r.patches.length > 0) errors.push('--patch needs --tree');
    const given = [
      ['--ref', b.ref !== undefined],
      ['--base', b.base !== undefined],
      ['--config', b.config !== undefined],
      ['--fragment', (b.fragments?.length ?? 0) > 0],
      ['--make-jobs', b.makeJobs !== undefined],
    ] as const;
    for (const [flag, yes] of given) if (yes) errors.push(`${flag} needs --tree`);
  }
  for (const id of r.compareWith) if (!known.has(id)) errors.push(`--compare-with ${id}: no such kernel in the matrix`);
  if (r.compareWith.length > 0 && added.length === 0) errors.push('--compare-with needs a kernel path in --kernel or --tree');
  return errors.length > 0 ? err(errors) : ok({ ids: added.length > 0 ? [...r.compareWith] : ids, added });
}

export async function prepareRun(r: RunRequest): Promise<Result<PreparedRun, string[]>> {
  if (r.resume !== undefined) return prepareResume(r);
  const users = await userKernels(r);
  if (!users.ok) return users;
  let matrix = r.matrix;
  let kernelIds = users.value.ids;
  if (users.value.added.length > 0) {
    const merged = parseMatrix({ ...r.matrix, kernels: [...r.matrix.kernels, ...users.value.added] });
    if (!merged.ok) return merged;
    matrix = merged.value;
    kernelIds = [...users.value.added.map((k) => k.id), ...users.value.ids];
  }
  const cells = planCells(matrix, { kernels: kernelIds, boots: r.boots, benches: r.benches });
  if (!cells.ok) return cells;
  const runId = newRunId(r.now);
  const runDir = path.resolve(r.resultsRoot, runId);
  let lockFile = lockPathFor(r.matrixFile);
  if (users.value.added.length > 0) {
    // The user's kernel is not part of the project's matrix: pin it in the run's own lock, seeded from
    // the project's lock so the reference kernels stay exactly as pinned.
    const runLock = runLockFile(runDir);
    if (await isFile(lockFile)) {
      const { mkdir } = await import('node:fs/promises');
      await mkdir(runDir, { recursive: true });
      await copyFile(lockFile, runLock);
    }
    lockFile = runLock;
  }
  return ok({
    runId,
    runDir,
    matrix,
    matrixFile: r.matrixFile,
    lockFile,
    cells: cells.value,
    done: new Set(),
    resumed: false,
    userKernels: users.value.added.map((k) => k.id),
  });
}

async function prepareResume(r: RunRequest): Promise<Result<PreparedRun, string[]>> {
  const runId = r.resume as string;
  const runDir = path.resolve(r.resultsRoot, runId);
  const found = await readRunDir(runDir);
  const meta = found.run?.meta;
  if (!meta) {
    const bad = found.problems.find((p) => p.file === runFile(runDir));
    return err([`--resume ${runId}: ${bad?.message ?? `no run.json in ${runDir}`}`]);
  }
  // The stored matrix is what the run was asked to do; the file may have changed since.
  const matrix = parseMatrix(meta.matrix);
  if (!matrix.ok) return err(matrix.error.map((e) => `${runFile(runDir)} matrix: ${e}`));
  const byId = new Map<string, Cell>();
  const all = planCells(matrix.value);
  if (!all.ok) return all;
  for (const c of all.value) byId.set(c.id, c);
  const cells = meta.cells.map((id) => byId.get(id)).filter((c): c is Cell => c !== undefined);
  // A cell file that does not validate is not done: the cell runs again and replaces it.
  const done = new Set(found.cells.map((c) => c.cell.cellId));
  const runLock = runLockFile(runDir);
  const lockFile = (await isFile(runLock)) ? runLock : lockPathFor(meta.matrixFile);
  // The user's kernels stay theirs (run.json is written again from this, and the report pairs them with the references).
  return ok({
    runId,
    runDir,
    matrix: matrix.value,
    matrixFile: meta.matrixFile,
    lockFile,
    cells,
    done,
    resumed: true,
    userKernels: meta.userKernels ?? [],
  });
}
