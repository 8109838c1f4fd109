import { access } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import type { DefineCommand } from './define.js';
import { EXIT } from '../exit-codes.js';
import { forUser } from '../invocation.js';
import { which } from '../../util/which.js';
import { BROWSER_HINT, findBrowser } from '../../setup/browser.js';

/** `--version` of a local tool answers at once; a bound only so a wedged binary cannot stall doctor. */
const VERSION_TIMEOUT_MS = 10_000;
const LIBDIR = '/usr/lib/x86_64-linux-gnu';

export interface Check {
  name: string;
  /** What needs it. */
  for: string;
  /** Without it the default pipeline (fetch, qemu backend, payload build) cannot run. */
  required: boolean;
  /** A program on PATH, an absolute file, or a search of its own. */
  program?: string;
  file?: string;
  locate?: (env: NodeJS.ProcessEnv) => Promise<string | undefined>;
  /** How to get it when missing. */
  fix: string;
}

/** `tailmatrix setup` installs all of them by the distribution's names; the Debian name for the rest. */
const APT = (pkgs: string) => `tailmatrix setup (or: apt-get install ${pkgs})`;
const VNG_FIX = "tailmatrix setup (virtme-ng from the distribution, or Debian trixie's extracted under /opt)";

export const CHECKS: readonly Check[] = [
  {
    name: 'qemu-system-x86_64',
    program: 'qemu-system-x86_64',
    for: 'booting kernels (qemu backend)',
    required: true,
    fix: APT('qemu-system-x86'),
  },
  { name: 'clang', program: 'clang', for: 'compiling the BPF programs', required: true, fix: APT('clang') },
  { name: 'llc', program: 'llc', for: 'BPF code generation (clang -target bpf)', required: true, fix: APT('llvm') },
  { name: 'llvm-strip', program: 'llvm-strip', for: 'stripping BPF objects', required: true, fix: APT('llvm') },
  { name: 'gcc', program: 'gcc', for: 'the static measurement agent; kernel builds', required: true, fix: APT('gcc') },
  { name: 'make', program: 'make', for: 'bpf/Makefile; kernel builds', required: true, fix: APT('make') },
  { name: 'libbpf (static)', file: `${LIBDIR}/libbpf.a`, for: 'linking the agent statically', required: true, fix: APT('libbpf-dev') },
  { name: 'libelf (static)', file: `${LIBDIR}/libelf.a`, for: 'linking the agent statically', required: true, fix: APT('libelf-dev') },
  { name: 'zlib (static)', file: `${LIBDIR}/libz.a`, for: 'linking the agent statically', required: true, fix: APT('zlib1g-dev') },
  { name: 'libzstd (static)', file: `${LIBDIR}/libzstd.a`, for: 'linking the agent statically', required: true, fix: APT('libzstd-dev') },
  { name: 'busybox (static)', file: '/bin/busybox', for: 'the guest initramfs', required: true, fix: APT('busybox-static') },
  { name: 'xz', program: 'xz', for: 'unpacking Debian indexes and .debs', required: true, fix: APT('xz-utils') },
  { name: 'zstd', program: 'zstd', for: 'unpacking .debs and tarballs compressed with zstd', required: true, fix: APT('zstd') },
  { name: 'cpio', program: 'cpio', for: 'inspecting initramfs images', required: false, fix: APT('cpio') },
  {
    name: 'gpgv',
    program: 'gpgv',
    for: 'checking Debian InRelease signatures (resolving a Debian kernel fails without it, unless --allow-unsigned)',
    required: false,
    fix: APT('gpgv'),
  },
  {
    name: 'Debian archive keyring',
    file: '/usr/share/keyrings/debian-archive-keyring.gpg',
    for: 'checking Debian InRelease signatures (the same)',
    required: false,
    fix: APT('debian-archive-keyring'),
  },
  { name: 'vng (virtme-ng)', program: 'vng', for: 'the vng backend (auto falls back to qemu)', required: false, fix: VNG_FIX },
  { name: 'virtiofsd', program: 'virtiofsd', for: 'vng with cloud kernels (no 9p)', required: false, fix: VNG_FIX },
  {
    name: 'iperf3',
    program: 'iperf3',
    for: "the traffic benchmark (Benchmark 2): copied with its shared libraries into the qemu initramfs; the vng and native backends run the host's",
    required: false,
    fix: APT('iperf3'),
  },
  {
    name: 'udevadm',
    program: 'udevadm',
    for: "vng's virtio-serial ports (stdout of the guest command)",
    required: false,
    fix: APT('udev'),
  },
  { name: 'bison', program: 'bison', for: 'kernel builds', required: false, fix: APT('bison') },
  { name: 'flex', program: 'flex', for: 'kernel builds', required: false, fix: APT('flex') },
  { name: 'bc', program: 'bc', for: 'kernel builds', required: false, fix: APT('bc') },
  { name: 'ccache', program: 'ccache', for: 'faster kernel rebuilds', required: false, fix: APT('ccache') },
  {
    name: 'chromium',
    locate: findBrowser,
    for: 'the HTML report test (headless rendering; Chromium or Google Chrome)',
    required: false,
    fix: BROWSER_HINT,
  },
];

/** Resolve a program on PATH, then in install-vng.sh's prefix (not on PATH when no link was made). */
export async function findProgram(program: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  // Loaded on use (execa behind it): `--help` must stay light (bench/help-time.ts).
  const { VNG_INSTALL_PREFIX } = await import('../../engine/host.js');
  return (await which(program, env)) ?? (await which(path.join(VNG_INSTALL_PREFIX, 'bin', program), env));
}

interface CheckResult {
  check: Check;
  found?: string;
  version?: string;
}

export async function runChecks(checks: readonly Check[] = CHECKS, env: NodeJS.ProcessEnv = process.env): Promise<CheckResult[]> {
  return Promise.all(
    checks.map(async (check): Promise<CheckResult> => {
      if (check.file !== undefined) {
        const found = await access(check.file).then(
          () => check.file,
          () => undefined,
        );
        return { check, found };
      }
      const found = check.locate ? await check.locate(env) : await findProgram(check.program ?? check.name, env);
      if (found === undefined) return { check };
      const { execCommand } = await import('../../util/exec.js');
      const v = await execCommand(found, ['--version'], { timeoutMs: VERSION_TIMEOUT_MS });
      const line = v.ok ? (v.value.stdout || v.value.stderr).split('\n').find((l) => l.trim() !== '') : undefined;
      return { check, found, version: line?.trim() };
    }),
  );
}

export function formatResults(results: readonly CheckResult[]): string {
  const width = Math.max(...results.map((r) => r.check.name.length));
  return results
    .map((r) => {
      const mark = r.found ? 'found  ' : r.check.required ? 'MISSING' : 'missing';
      const detail = r.found ? `${r.found}${r.version ? `  (${r.version})` : ''}` : `needed for ${r.check.for}; get it: ${r.check.fix}`;
      return `${mark}  ${r.check.name.padEnd(width)}  ${detail}${r.found || r.check.required ? '' : ' [optional]'}`;
    })
    .join('\n');
}

export const defineDoctorCommand: DefineCommand = (setExit) =>
  new Command('doctor')
    .description('check every tool the later steps need (found / missing / how to get it)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const results = await runChecks();
      if (opts.json) {
        const out = results.map((r) => ({
          name: r.check.name,
          required: r.check.required,
          found: r.found ?? null,
          version: r.version ?? null,
          fix: r.check.fix,
        }));
        process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      } else {
        process.stdout.write(`${forUser(formatResults(results))}\n`);
      }
      const missing = results.filter((r) => r.check.required && !r.found);
      if (!opts.json) {
        process.stdout.write(
          forUser(
            missing.length === 0
              ? 'all required tools found\n'
              : `${missing.length} required tool(s) missing: \`tailmatrix setup\` installs them (\`--dry-run\` shows the apt command)\n`,
          ),
        );
      }
      setExit(missing.length === 0 ? EXIT.ok : EXIT.unavailable);
    });
