// A fresh Debian machine for the fresh-machine test: a minimal root built by debootstrap from
// deb.debian.org, entered with chroot. The bare root is cached between runs (keyed by suite, variant,
// included packages and mirror: nothing installed later is cached), and apt's downloaded .debs are kept
// per suite, so a rerun installs every package again but downloads none twice. Inside, the root shares the
// host's CA bundle, npm configuration and npm cache (so it reaches the same registries, TLS-inspected or
// not), DNS, and the shared kernel cache (the pinned kernels are not downloaded again).
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, cp, mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { cacheRoot } from '../../src/util/paths.js';

export const MIRROR = 'http://deb.debian.org/debian';
const VARIANT = 'minbase';
/** ca-certificates up front: its bundle is replaced by the host's before anything uses TLS. */
const INCLUDE = ['ca-certificates'];
const CACHE = path.join(os.homedir(), '.cache', 'tailmatrix-test');
const HOST_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

export interface DebianRoot {
  suite: string;
  dir: string;
  /** The bare root came from the cache (no debootstrap this time). */
  cached: boolean;
  /** Run a bash script as root inside, with a clean environment; rejects on a non-zero exit. */
  exec(script: string, opts?: { timeoutMs?: number }): Promise<string>;
  /** Unmount everything mounted by mount(); safe to call twice. */
  unmount(): Promise<void>;
}

async function need(program: string, pkg: string): Promise<void> {
  const res = await execa('sh', ['-c', `command -v ${program}`], { reject: false });
  if (res.exitCode !== 0)
    throw new Error(`the fresh-machine test needs ${program}: apt-get install ${pkg} (or \`tailmatrix setup --with-tests\`)`);
}

/** The cached bare root of `suite`, built by debootstrap when absent. */
export async function bareRoot(suite: string): Promise<{ dir: string; cached: boolean }> {
  const key = createHash('sha256').update(JSON.stringify({ suite, VARIANT, INCLUDE, MIRROR })).digest('hex').slice(0, 16);
  const dir = path.join(CACHE, 'debootstrap', `${suite}-${key}`);
  if (existsSync(path.join(dir, 'etc', 'os-release'))) return { dir, cached: true };
  await need('debootstrap', 'debootstrap');
  const tmp = `${dir}.tmp`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(path.dirname(dir), { recursive: true });
  await execa('debootstrap', [`--variant=${VARIANT}`, `--include=${INCLUDE.join(',')}`, suite, tmp, MIRROR], {
    all: true,
    timeout: 1_800_000,
  });
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
  return { dir, cached: false };
}

/** A private copy of the cached root in `workDir`, made a guest of this host, with its mounts. */
export async function freshRoot(suite: string, workDir: string): Promise<DebianRoot> {
  await need('chroot', 'coreutils');
  const bare = await bareRoot(suite);
  const dir = path.join(workDir, suite);
  // -a keeps owners, modes and device nodes; reflinks where the file system can.
  await execa('cp', ['-a', '--reflink=auto', bare.dir, dir]);

  await copyFile('/etc/resolv.conf', path.join(dir, 'etc/resolv.conf'));
  await copyFile(HOST_CA_BUNDLE, path.join(dir, HOST_CA_BUNDLE.slice(1)));
  // No service starts inside a chroot (udev's postinst would try).
  await writeFile(path.join(dir, 'usr/sbin/policy-rc.d'), '#!/bin/sh\nexit 101\n', { mode: 0o755 });

  // The host's Node and npm, with the host's npm configuration (global and root's own).
  await copyFile(process.execPath, path.join(dir, 'usr/local/bin/node'));
  const npmDir = path.resolve(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm');
  await cp(npmDir, path.join(dir, 'usr/local/lib/node_modules/npm'), { recursive: true });
  await symlink('../lib/node_modules/npm/bin/npm-cli.js', path.join(dir, 'usr/local/bin/npm'));
  await symlink('../lib/node_modules/npm/bin/npx-cli.js', path.join(dir, 'usr/local/bin/npx'));
  const globalNpmrc = (await execa('npm', ['config', 'get', 'globalconfig'])).stdout.trim();
  await mkdir(path.join(dir, 'usr/local/etc'), { recursive: true });
  if (existsSync(globalNpmrc)) await copyFile(globalNpmrc, path.join(dir, 'usr/local/etc/npmrc'));
  const userNpmrc = path.join(os.homedir(), '.npmrc');
  if (existsSync(userNpmrc)) await copyFile(userNpmrc, path.join(dir, 'root/.npmrc'));

  const aptArchives = path.join(CACHE, 'apt-archives', suite);
  await mkdir(path.join(aptArchives, 'partial'), { recursive: true });
  const binds: [string, string][] = [
    [aptArchives, 'var/cache/apt/archives'],
    [cacheRoot(), 'root/.cache/tailmatrix'],
    [path.join(os.homedir(), '.npm'), 'root/.npm'],
  ];
  const mounted: string[] = [];
  const mount = async (args: string[], target: string) => {
    await mkdir(path.join(dir, target), { recursive: true });
    await execa('mount', [...args, path.join(dir, target)]);
    mounted.push(path.join(dir, target));
  };
  const unmount = async () => {
    while (mounted.length > 0) {
      const target = mounted.pop()!;
      const res = await execa('umount', [target], { reject: false });
      // Busy (a process still inside): detach it now, it goes when the last user does.
      if (res.exitCode !== 0) await execa('umount', ['-l', target], { reject: false });
    }
  };
  try {
    await mount(['-t', 'proc', 'proc'], 'proc');
    await mount(['-t', 'sysfs', 'sysfs'], 'sys');
    await mount(['--bind', '/dev'], 'dev');
    for (const [from, to] of binds) {
      await mkdir(from, { recursive: true });
      await mount(['--bind', from], to);
    }
  } catch (e) {
    await unmount();
    throw e;
  }

  const exec = async (script: string, opts: { timeoutMs?: number } = {}) => {
    const res = await execa(
      'chroot',
      [
        dir,
        '/usr/bin/env',
        '-i',
        'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        'HOME=/root',
        'LANG=C.UTF-8',
        'CI=true',
        '/bin/bash',
        '-eo',
        'pipefail',
        '-c',
        script,
      ],
      { reject: false, all: true, timeout: opts.timeoutMs ?? 1_800_000 },
    );
    if (res.exitCode !== 0)
      throw new Error(`in the ${suite} root, exit ${res.exitCode}${res.timedOut ? ' (timed out)' : ''}:\n$ ${script}\n${res.all}`);
    return res.all ?? '';
  };
  return { suite, dir, cached: bare.cached, exec, unmount };
}
