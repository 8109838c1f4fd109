// The architecture profiles (src/arch/): the arm64 Image header check (raw and gzip'd, as Debian ships it),
// the refusals that say what a wrong file is, the KVM rule's host side, and the qemu command line an arm64
// cell gets (virt board, PL011 console, the agent's records through a virtio console).
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { ARCHES, archProfile, hostArch, KERNEL_IMAGE_NAMES } from '../../src/arch/index.js';
import { imageFormat } from '../../src/kernels/image-format.js';
import { sourceHash } from '../../src/matrix/lock.js';
import { stableJson } from '../../src/util/stable-json.js';
import { loadMatrix, parseMatrix } from '../../src/matrix/load.js';
import { PACKAGE_ROOT } from '../../src/util/paths.js';
import { kernelCmdline, qemuArgs, qemuBinary } from '../../src/vm/qemu-args.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tailmatrix-arch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, bytes: Buffer): string {
  const p = path.join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

/** The 64-byte arm64 boot header (Documentation/arch/arm64/booting.rst) in front of some text. */
function arm64Image(imageSize: number, flags = 0xa): Buffer {
  const b = Buffer.alloc(0x20000);
  b.writeUInt32LE(0xfa405a4d, 0); // code0: the EFI stub's "MZ" + branch
  b.writeBigUInt64LE(BigInt(imageSize), 16);
  b.writeBigUInt64LE(BigInt(flags), 24);
  b.write('ARM\x64', 56, 'latin1');
  return b;
}

function bzImage(): Buffer {
  const b = Buffer.alloc(0x4000);
  b.writeUInt16LE(0xaa55, 0x1fe);
  b.write('HdrS', 0x202, 'latin1');
  b.writeUInt16LE(0x020f, 0x206);
  return b;
}

describe('arm64 kernel image format', () => {
  it('accepts a raw Image and a gzip-compressed one (Debian arm64 vmlinuz), reading size and endianness from the header', async () => {
    expect(await imageFormat(file('Image', arm64Image(40 * 2 ** 20)), 'arm64')).toEqual({
      ok: true,
      value: { description: 'arm64 Image, little-endian, 40.0 MiB loaded', protocol: 'flags 0xa' },
    });
    const gz = await imageFormat(file('vmlinuz', gzipSync(arm64Image(33 * 2 ** 20))), 'arm64');
    expect(gz).toEqual({ ok: true, value: { description: 'arm64 Image (gzip), little-endian, 33.0 MiB loaded', protocol: 'flags 0xa' } });
  });

  it('refuses what QEMU cannot boot as an arm64 kernel, saying what it is', async () => {
    const zboot = Buffer.alloc(0x1000);
    zboot.write('MZ', 0, 'latin1');
    zboot.write('zimg', 4, 'latin1');
    const elf = Buffer.alloc(0x400);
    elf.write('\x7fELF', 0, 'latin1');
    const cases: [string, Buffer, RegExp][] = [
      [
        'bzImage',
        bzImage(),
        /bzImage is not an arm64 Image: an x86 bzImage: give the kernel `"arch": "amd64"` \(the default; run: `--arch amd64`\)/,
      ],
      ['zboot', zboot, /zboot is not an arm64 Image: an EFI zboot image \(CONFIG_EFI_ZBOOT\)/],
      ['vmlinux', elf, /vmlinux is not an arm64 Image: an ELF file \(vmlinux\?\): boot arch\/arm64\/boot\/Image instead$/],
      [
        'pkg.gz',
        gzipSync(Buffer.from('not a kernel')),
        /pkg.gz is not an arm64 Image: gzip data that does not start with an arm64 Image header/,
      ],
      [
        '.config',
        Buffer.from('CONFIG_BPF=y\n'),
        /\.config is not an arm64 Image: no arm64 Image header \("ARM\\x64" at offset 56; 13 bytes read\)$/,
      ],
    ];
    for (const [name, bytes, want] of cases) {
      const r = await imageFormat(file(name, bytes), 'arm64');
      expect(r.ok, name).toBe(false);
      expect(!r.ok && r.error, name).toMatch(want);
    }
  });

  it('an x86 kernel given an arm64 Image says to set the arch', async () => {
    const r = await imageFormat(file('Image-x86', arm64Image(1)), 'amd64');
    expect(!r.ok && r.error).toMatch(
      /Image-x86 is not an x86 bzImage: an arm64 Image: give the kernel `"arch": "arm64"` \(run: `--arch arm64`\) to boot it$/,
    );
  });
});

describe('architecture profiles', () => {
  it('one profile per schema arch, each naming its own Debian and OCI architecture', () => {
    for (const a of ARCHES) {
      const p = archProfile(a);
      expect(p.arch).toBe(a);
      expect(p.debianArch).toBe(a);
      expect(p.ociArch).toBe(a);
    }
    expect(archProfile('arm64').kbuild).toEqual({
      arch: 'arm64',
      srcarch: 'arm64',
      image: 'arch/arm64/boot/Image',
      crossCompile: 'aarch64-linux-gnu-',
    });
    expect(archProfile('amd64').kbuild.image).toBe('arch/x86/boot/bzImage');
    // Where an extracted or build tree keeps its image: x86's names first, as before arm64 existed.
    expect(KERNEL_IMAGE_NAMES.slice(0, 5)).toEqual(['boot/vmlinuz', 'boot/bzImage', 'vmlinuz', 'bzImage', 'arch/x86/boot/bzImage']);
    expect(KERNEL_IMAGE_NAMES).toContain('arch/arm64/boot/Image');
  });

  it("the host's architecture by Node's name (KVM runs only guests of it)", () => {
    expect(hostArch('x64')).toBe('amd64');
    expect(hostArch('arm64')).toBe('arm64');
    expect(hostArch('riscv64')).toBeUndefined();
  });
});

describe('qemu command line of an arm64 cell', () => {
  it('virt board, PL011 console, the agent behind a virtio console on virtio-mmio', () => {
    const args = qemuArgs({
      arch: 'arm64',
      accel: 'tcg',
      memoryMiB: 1024,
      cpus: 1,
      kernel: '/k/vmlinuz',
      initrd: '/c/initrd.img',
      agentOut: '/c/agent.jsonl',
      icountShift: 3,
    });
    expect(args).toEqual([
      '-machine',
      'virt',
      '-accel',
      'tcg',
      '-icount',
      'shift=3,sleep=off',
      '-cpu',
      'max,cntfrq=1000000000',
      '-m',
      '1024',
      '-smp',
      '1',
      '-nodefaults',
      '-nographic',
      '-no-reboot',
      '-serial',
      'stdio',
      '-device',
      'virtio-serial-device',
      '-chardev',
      'file,id=tmagent,path=/c/agent.jsonl',
      '-device',
      'virtconsole,chardev=tmagent',
      '-kernel',
      '/k/vmlinuz',
      '-initrd',
      '/c/initrd.img',
      '-append',
      'console=ttyAMA0 panic=-1 cryptomgr.notests',
    ]);
    expect(qemuBinary('arm64')).toBe('qemu-system-aarch64');
    expect(qemuBinary('arm64', '/opt/qemu')).toBe('/opt/qemu');
  });

  it('without an agent (the probe) no port at all; x86 keeps its second serial port', () => {
    const arm = qemuArgs({ arch: 'arm64', accel: 'tcg', memoryMiB: 256, cpus: 1, kernel: 'k', initrd: 'i' });
    expect(arm.some((a) => a.includes('virtconsole'))).toBe(false);
    expect(qemuArgs({ accel: 'tcg', memoryMiB: 256, cpus: 1, kernel: 'k', initrd: 'i' })).toContain('null');
    expect(kernelCmdline('quiet', 'arm64')).toBe('console=ttyAMA0 panic=-1 cryptomgr.notests quiet');
    expect(kernelCmdline('quiet')).toBe('console=ttyS0 panic=-1 cryptomgr.notests quiet');
  });
});

describe('arch in matrix.json and the lock', () => {
  const base = { boots: [{ name: 'default' }], benchmarks: [{ name: 'tr', type: 'test-run' }] };
  const arm = { id: 'a', arch: 'arm64', source: { type: 'debian', suite: 'bookworm', package: 'linux-image-cloud-arm64' } };

  it('an arm64 Debian kernel reads the arm64 index; a source arch that contradicts the kernel is refused', () => {
    expect(parseMatrix({ ...base, kernels: [arm] }).ok).toBe(true);
    const bad = parseMatrix({ ...base, kernels: [{ ...arm, source: { ...arm.source, arch: 'amd64' } }] });
    expect(!bad.ok && bad.error.join('\n')).toMatch(/kernels\[0\]\.source\.arch: "amd64" but the kernel's arch is "arm64"/);
    const unknown = parseMatrix({ ...base, kernels: [{ ...arm, arch: 'riscv64' }] });
    expect(!unknown.ok && unknown.error.join('\n')).toMatch(/kernels\[0\]\.arch/);
  });

  it('examples/arm64.json: the same Debian 6.1 on both architectures', async () => {
    const r = await loadMatrix(path.join(PACKAGE_ROOT, 'examples', 'arm64.json'));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.matrix.kernels.map((k) => [k.id, k.arch])).toEqual([
      ['6.1-cloud', 'amd64'],
      ['6.1-cloud-arm64', 'arm64'],
    ]);
  });

  it('an arm64 build is accepted (cross-compiled); the running kernel is amd64 only, said with what to use instead', () => {
    const built = parseMatrix({ ...base, kernels: [{ id: 'b', arch: 'arm64', source: { type: 'build', tree: '/src/linux' } }] });
    expect(built.ok).toBe(true);
    const running = parseMatrix({ ...base, kernels: [{ id: 'r', arch: 'arm64', source: { type: 'running' } }] });
    expect(!running.ok && running.error.join('\n')).toMatch(
      /kernels\[0\]\.arch: "arm64" is not supported for a "running" kernel \(only amd64\): use a debian, oci, url, local or build arm64 kernel/,
    );
  });

  it("an amd64 kernel's lock hash is what it was before kernels had an arch; another arch changes it", () => {
    const src = { type: 'debian', suite: 'bookworm', package: 'linux-image-cloud-amd64', component: 'main' } as const;
    // What the lock held for this source before: the schema filled arch "amd64" into the source.
    const before = createHash('sha256')
      .update(stableJson({ ...src, arch: 'amd64' }))
      .digest('hex');
    expect(sourceHash(src)).toBe(before);
    expect(sourceHash(src, 'amd64')).toBe(before);
    expect(sourceHash(src, 'arm64')).not.toBe(before);
    const url = { type: 'url', url: 'https://example.org/k', sha256: 'a'.repeat(64), format: 'auto' } as const;
    expect(sourceHash(url, 'amd64')).toBe(createHash('sha256').update(stableJson(url)).digest('hex'));
    expect(sourceHash(url, 'arm64')).not.toBe(sourceHash(url, 'amd64'));
  });
});
