// scripts/setup.sh (run by `tailmatrix setup` and scripts/install-deps.sh): the package names per
// distribution, the virtme-ng source, the exact apt command of --dry-run, sudo when not root, and the
// message on a distribution it does not know. The real installs run in test/slow/fresh-machine.test.ts.
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { SETUP_SCRIPT } from '../../src/setup/setup-script.js';
import { PACKAGE_ROOT } from '../../src/util/paths.js';
import { startCli } from '../support/run-cli.js';

const OS_RELEASE = path.join(PACKAGE_ROOT, 'test/fixtures/os-release');

async function setup(distro: string, args: string[], opts: { env?: NodeJS.ProcessEnv; user?: string } = {}) {
  const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env, TAILMATRIX_OS_RELEASE: path.join(OS_RELEASE, distro) };
  const cmd = opts.user
    ? ([
        'runuser',
        [
          '-u',
          opts.user,
          '--',
          'env',
          `PATH=${env.PATH}`,
          `TAILMATRIX_OS_RELEASE=${env.TAILMATRIX_OS_RELEASE}`,
          'bash',
          SETUP_SCRIPT,
          ...args,
        ],
      ] as const)
    : (['bash', [SETUP_SCRIPT, ...args]] as const);
  // stripFinalNewline off: every printed line ends in \n, the last one too
  return execa(cmd[0], cmd[1], { env, reject: false, stripFinalNewline: false });
}

async function packages(distro: string, withTests: boolean): Promise<string[]> {
  const res = await setup(distro, ['--print-packages', ...(withTests ? ['--with-tests'] : [])]);
  expect(res.exitCode, res.stderr).toBe(0);
  return res.stdout.trimEnd().split('\n');
}

/** A dpkg-query that finds nothing installed: the view of a fresh machine, for the dry run's command. */
async function freshMachinePath(): Promise<string> {
  // Under /tmp itself, not the suite's private TMPDIR: the dry run also runs as `nobody`, who must reach it.
  const dir = await mkdtemp(path.join('/tmp', 'tm-setup-'));
  made.push(dir);
  await writeFile(path.join(dir, 'dpkg-query'), '#!/bin/sh\nexit 1\n');
  await chmod(dir, 0o755);
  await chmod(path.join(dir, 'dpkg-query'), 0o755);
  return `${dir}:${process.env.PATH}`;
}

const made: string[] = [];
afterAll(async () => {
  await Promise.all(made.map((d) => rm(d, { recursive: true, force: true })));
});

// Each case starts bash (and runuser) several times: seconds when four other jobs share two cores.
describe('setup', { timeout: 30_000 }, () => {
  it('installs what running needs on every supported distribution, virtme-ng from the distribution where packaged', async () => {
    for (const distro of ['debian-12', 'debian-13', 'ubuntu-22.04', 'ubuntu-24.04']) {
      const run = await packages(distro, false);
      for (const p of [
        'qemu-system-x86',
        'busybox-static',
        'clang',
        'llvm',
        'libbpf-dev',
        'libelf-dev',
        'zlib1g-dev',
        'libzstd-dev',
        'gpgv',
        'debian-archive-keyring',
        'xz-utils',
        'zstd',
        'udev',
        'iperf3',
      ]) {
        expect(run, `${distro}: ${p}`).toContain(p);
      }
      const packaged = distro === 'debian-13' || distro === 'ubuntu-24.04';
      expect(run.includes('virtme-ng'), distro).toBe(packaged);
      expect(run.includes('virtiofsd'), distro).toBe(packaged);
      // the fallback (install-vng.sh) runs trixie's vng with the host's Python modules
      expect(run.includes('python3-requests'), distro).toBe(!packaged);
      // nothing only the tests need
      for (const p of ['chromium', 'debootstrap', 'procps']) expect(run, `${distro}: ${p}`).not.toContain(p);
    }
  });

  it('adds what the test suite needs with --with-tests; Chromium only where it is a deb (Debian)', async () => {
    for (const distro of ['debian-12', 'debian-13', 'ubuntu-22.04', 'ubuntu-24.04']) {
      const all = await packages(distro, true);
      for (const p of ['debootstrap', 'procps', 'python3-yaml']) expect(all, `${distro}: ${p}`).toContain(p);
      expect(all.includes('chromium'), distro).toBe(distro.startsWith('debian'));
    }
  });

  it('--dry-run says what it detected and prints the exact apt command, with sudo when not root', async () => {
    const PATH = await freshMachinePath();
    const asRoot = await setup('ubuntu-24.04', ['--dry-run', '--with-tests'], { env: { PATH } });
    expect(asRoot.exitCode, asRoot.stderr).toBe(0);
    const want = (await packages('ubuntu-24.04', true)).join(' ');
    expect(asRoot.stdout).toContain('setup: detected Ubuntu 24.04.3 LTS (ID=ubuntu, VERSION_ID=24.04)');
    expect(asRoot.stdout).toContain('\n  apt-get update\n');
    expect(asRoot.stdout).toContain(`\n  env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${want}\n`);
    expect(asRoot.stdout).toContain('note: Ubuntu has no Chromium deb');

    const asUser = await setup('debian-12', ['--dry-run'], { env: { PATH }, user: 'nobody' });
    expect(asUser.exitCode, asUser.stderr).toBe(0);
    const run = (await packages('debian-12', false)).join(' ');
    expect(asUser.stdout).toContain('\n  sudo apt-get update\n');
    expect(asUser.stdout).toContain(`\n  sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${run}\n`);
    // bookworm has no virtme-ng: the signature-checked trixie fallback, shipped next to setup.sh
    expect(asUser.stdout).toContain(`\n  sudo bash ${path.join(path.dirname(SETUP_SCRIPT), 'install-vng.sh')}\n`);
  });

  it('--with-arm64 adds the arm64 toolchain by the same names everywhere; on Ubuntu the dry run says it adds ports.ubuntu.com', async () => {
    for (const distro of ['debian-12', 'debian-13', 'ubuntu-22.04', 'ubuntu-24.04']) {
      const res = await setup(distro, ['--print-packages', '--with-arm64']);
      expect(res.exitCode, res.stderr).toBe(0);
      const all = res.stdout.trimEnd().split('\n');
      for (const p of [
        'qemu-system-arm',
        'gcc-aarch64-linux-gnu',
        'libc6-dev-arm64-cross',
        'libbpf-dev:arm64',
        'libelf-dev:arm64',
        'zlib1g-dev:arm64',
        'libzstd-dev:arm64',
      ]) {
        expect(all, `${distro}: ${p}`).toContain(p);
      }
      // and the amd64 ones stay: one libbpf version for both agents
      expect(all, distro).toContain('libbpf-dev');
      expect(await packages(distro, false), distro).not.toContain('qemu-system-arm');
    }
    const PATH = await freshMachinePath();
    const ubuntu = await setup('ubuntu-24.04', ['--dry-run', '--with-arm64'], { env: { PATH } });
    expect(ubuntu.exitCode, ubuntu.stderr).toBe(0);
    expect(ubuntu.stdout).toContain('with arm64 guests');
    expect(ubuntu.stdout).toContain('add /etc/apt/sources.list.d/tailmatrix-arm64-ports.sources (ports.ubuntu.com, arm64)');
    const debian = await setup('debian-12', ['--dry-run', '--with-arm64'], { env: { PATH } });
    expect(debian.exitCode, debian.stderr).toBe(0);
    expect(debian.stdout).not.toContain('ports.ubuntu.com');
    expect(debian.stdout).toMatch(/libbpf-dev:arm64/);
  }, 60_000);

  it('TAILMATRIX_APT_ARCHIVES: apt downloads into (and reuses .debs from) that folder, the one the action caches', async () => {
    const PATH = await freshMachinePath();
    const res = await setup('debian-12', ['--dry-run'], { env: { PATH, TAILMATRIX_APT_ARCHIVES: '/ci/apt-archives' } });
    expect(res.exitCode, res.stderr).toBe(0);
    const run = (await packages('debian-12', false)).join(' ');
    expect(res.stdout).toContain(
      `\n  env DEBIAN_FRONTEND=noninteractive apt-get -o Dir::Cache::Archives=/ci/apt-archives install -y --no-install-recommends ${run}\n`,
    );
  });

  it('names the distribution it does not know and the ones it does (exit 69)', async () => {
    const res = await setup('fedora-41', ['--dry-run']);
    expect(res.exitCode).toBe(69);
    expect(res.stderr).toContain('unsupported distribution: Fedora Linux 41 (Server Edition) (ID=fedora VERSION_ID=41');
    expect(res.stderr).toContain('Supported: Debian 12, Debian 13, Ubuntu 22.04, Ubuntu 24.04.');
  });

  it('rejects an unknown option (exit 64)', async () => {
    const res = await setup('debian-12', ['--with-test']);
    expect(res.exitCode).toBe(64);
    expect(res.stderr).toContain("unknown option '--with-test'");
  });

  it('`tailmatrix setup` runs the shipped script and passes its exit code on', async () => {
    const ok = await startCli(['setup', '--print-packages'], { env: { TAILMATRIX_OS_RELEASE: path.join(OS_RELEASE, 'debian-13') } });
    expect(ok.exitCode, ok.all).toBe(0);
    expect(ok.stdout.trimEnd().split('\n')).toEqual(await packages('debian-13', false));
    // --with-arm64 passes on: the script's own arm64 list (the cross compiler among it).
    const arm = await startCli(['setup', '--print-packages', '--with-arm64'], {
      env: { TAILMATRIX_OS_RELEASE: path.join(OS_RELEASE, 'debian-13') },
    });
    expect(arm.exitCode, arm.all).toBe(0);
    expect(arm.stdout.trimEnd().split('\n')).toEqual(
      (await setup('debian-13', ['--print-packages', '--with-arm64'])).stdout.trimEnd().split('\n'),
    );
    expect(arm.stdout.split('\n')).toContain('gcc-aarch64-linux-gnu');
    const unknown = await startCli(['setup', '--dry-run'], { env: { TAILMATRIX_OS_RELEASE: path.join(OS_RELEASE, 'fedora-41') } });
    expect(unknown.exitCode).toBe(69);
    expect(unknown.stderr).toContain('unsupported distribution');
  }, 60_000);
});
