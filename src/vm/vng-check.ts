// Can the vng backend run here, and if not, exactly what is missing. vng itself degrades quietly (no
// virtiofsd: falls back to 9p, which the cloud kernels cannot mount; no udev: the script's output is
// lost), so every piece is checked up front and named.
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { execCommand } from '../util/exec.js';
import { isExecutable as executable, which } from '../util/which.js';
import { err, ok, type Result } from '../util/result.js';
import { QEMU_BINARY } from './qemu-args.js';

/** Where scripts/install-vng.sh puts its wrapper when the distribution has no virtme-ng package. */
export const VNG_INSTALL_PREFIX = '/opt/tailmatrix/virtme-ng';
const INSTALL_HINT = 'run scripts/install-vng.sh as root';
/** `--version` of vng (Python start-up) and virtiofsd answers in well under a second; bound a wedged one. */
const VERSION_TIMEOUT_MS = 20_000;

/** The places vng 1.35 looks for virtiofsd, after its own guest-tools dir and PATH (virtme/commands/run.py). */
const VIRTIOFSD_FIXED_PATHS = ['/usr/libexec/virtiofsd', '/usr/lib/virtiofsd/virtiofsd', '/usr/lib/virtiofsd', '/usr/lib/qemu/virtiofsd'];
/** The guest runs the host's udevd (virtme-init) to get /dev/virtio-ports/virtme.* for the script's I/O. */
const UDEVD_PATHS = ['/usr/lib/systemd/systemd-udevd', '/lib/systemd/systemd-udevd'];

/** The vng to run: on PATH (distribution package, /usr/local/bin link), else the install prefix. */
export async function findVng(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const onPath = await which('vng', env);
  if (onPath) return onPath;
  const installed = path.join(VNG_INSTALL_PREFIX, 'bin', 'vng');
  return (await executable(installed)) ? installed : undefined;
}

/**
 * QEMU's old C virtiofsd (bookworm's /usr/lib/qemu/virtiofsd) answers --version as root, so vng picks it,
 * passes it the Rust daemon's options, fails and falls back to 9p. Its banner says "virtiofsd version";
 * the Rust one says "virtiofsd 1.x".
 */
export function isRustVirtiofsd(versionOutput: string): boolean {
  return /^virtiofsd \d/m.test(versionOutput);
}

/** The virtiofsd vng will pick, in vng's own order; our wrapper's dir comes first as it puts it on PATH. */
async function virtiofsdFor(vng: string, env: NodeJS.ProcessEnv): Promise<Result<string, string>> {
  const own = path.join(path.dirname(await realpath(vng)), 'virtiofsd');
  const onPath = await which('virtiofsd', env);
  for (const candidate of [own, onPath, ...VIRTIOFSD_FIXED_PATHS]) {
    if (!candidate || !(await executable(candidate))) continue;
    const res = await execCommand(candidate, ['--version'], { timeoutMs: VERSION_TIMEOUT_MS });
    if (!res.ok) continue;
    if (isRustVirtiofsd(res.value.stdout + res.value.stderr)) return ok(candidate);
    return err(
      `virtiofsd: vng would use ${candidate}, QEMU's C daemon, which it cannot drive (it then falls back to 9p, which cloud kernels lack); ${INSTALL_HINT}`,
    );
  }
  return err(`virtiofsd: not found (needed for the guest's root file system; the cloud kernels have no 9p); ${INSTALL_HINT}`);
}

interface VngCheck {
  vng: string;
  version: string;
  virtiofsd: string;
}

/** Everything vng needs, each missing piece named with how to get it. */
export async function checkVng(env: NodeJS.ProcessEnv = process.env, vngOverride?: string): Promise<Result<VngCheck, string>> {
  const problems: string[] = [];
  const vng = vngOverride ?? (await findVng(env));
  let version = '';
  let virtiofsd = '';
  if (!vng) {
    problems.push(`vng: not on PATH nor in ${VNG_INSTALL_PREFIX}/bin; ${INSTALL_HINT} (Ubuntu: apt-get install virtme-ng)`);
  } else {
    const res = await execCommand(vng, ['--version'], { timeoutMs: VERSION_TIMEOUT_MS });
    if (!res.ok) problems.push(`vng: ${vng} --version fails: ${res.error.message}`);
    else version = (res.value.stdout + res.value.stderr).trim();
    const fsd = await virtiofsdFor(vng, env);
    if (fsd.ok) virtiofsd = fsd.value;
    else problems.push(fsd.error);
  }
  const udevd = await Promise.all(UDEVD_PATHS.map(executable));
  if (!udevd.some(Boolean))
    problems.push('udev: systemd-udevd not found (the guest needs it to find its script ports); apt-get install udev');
  for (const [tool, pkg] of [
    ['depmod', 'kmod'],
    ['file', 'file'],
    ['busybox', 'busybox-static'],
    [QEMU_BINARY, 'qemu-system-x86'],
  ] as const) {
    if (!(await which(tool, { PATH: `${env.PATH ?? ''}:/usr/sbin:/sbin` }))) problems.push(`${tool}: not found; apt-get install ${pkg}`);
  }
  if (problems.length > 0 || !vng) return err(problems.join('; '));
  return ok({ vng, version, virtiofsd });
}
