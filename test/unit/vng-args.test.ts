import { describe, expect, it } from 'vitest';
import { AGENT_PORT_NAME, FIFO_WRAPPER, guestScript, vngArgs, vngCommand, vngQemuOpts } from '../../src/vm/vng-args.js';
import { isRustVirtiofsd } from '../../src/vm/vng-check.js';
import { planVngRoot } from '../../src/vm/vng-root.js';
import { scratchDirFor } from '../../src/vm/vng.js';
import type { FetchedKernel } from '../../src/kernels/types.js';

const base = {
  kimg: '/tmp/tmvng-abc/vng-root/boot/vmlinuz-5.10.0-32-cloud-amd64',
  memoryMiB: 512,
  cpus: 1,
  agentOut: '/tmp/tmvng-abc/agent.jsonl',
  script: '/tmp/tmvng-abc/guest.sh',
};

describe('vngArgs', () => {
  it('builds the exact TCG command line', () => {
    expect(vngArgs({ ...base, accel: 'tcg', cmdline: 'spectre_v2=retpoline,generic  nokaslr' })).toEqual([
      '--run',
      base.kimg,
      '--disable-kvm',
      '--memory',
      '512M',
      '--cpus',
      '1',
      '--verbose',
      '--append',
      'loglevel=4 spectre_v2=retpoline,generic nokaslr',
      '--qemu-opts=-cpu max -chardev file,id=tmagent,path=/tmp/tmvng-abc/agent.jsonl -device virtserialport,name=tailmatrix.out,chardev=tmagent',
      '--exec',
      'sh /tmp/tmvng-abc/guest.sh',
    ]);
  });

  it('leaves KVM to vng and passes the boot configuration CPU model', () => {
    const args = vngArgs({ ...base, accel: 'kvm', cpu: 'EPYC-v4' });
    expect(args).not.toContain('--disable-kvm');
    expect(args.find((a) => a.startsWith('--qemu-opts='))).toMatch(/^--qemu-opts=-cpu EPYC-v4 /);
    expect(args[args.indexOf('--append') + 1]).toBe('loglevel=4');
  });

  it('passes instruction counting through --qemu-opts (vng has no option of its own), never under KVM', () => {
    expect(vngArgs({ ...base, accel: 'tcg', icountShift: 3 }).find((a) => a.startsWith('--qemu-opts='))).toBe(
      '--qemu-opts=-cpu max -chardev file,id=tmagent,path=/tmp/tmvng-abc/agent.jsonl -device virtserialport,name=tailmatrix.out,chardev=tmagent -icount shift=3,sleep=off',
    );
    expect(() => vngQemuOpts({ accel: 'kvm', agentOut: base.agentOut, icountShift: 3 })).toThrow(/-icount needs TCG/);
  });

  it('refuses a port file path that vng would split or QEMU would cut at a comma', () => {
    expect(() => vngQemuOpts({ accel: 'tcg', agentOut: '/tmp/a b/agent.jsonl' })).toThrow(/unusable/);
    expect(() => vngQemuOpts({ accel: 'tcg', agentOut: '/tmp/a,b/agent.jsonl' })).toThrow(/unusable/);
  });

  it('runs vng behind the FIFO wrapper with its own argv intact', () => {
    expect(vngCommand('/usr/local/bin/vng', ['--run', 'k'])).toEqual({
      file: 'sh',
      args: ['-c', FIFO_WRAPPER, '/usr/local/bin/vng', '--run', 'k'],
    });
  });
});

describe('guestScript', () => {
  const script = guestScript({
    agent: '/work/main/bpf/build/agent',
    objDir: "/opt/it's here",
    agentArgs: ['--max-depth', '4', '--samples', '3'],
  });

  it('runs the agent on its own port with the benchmark arguments, quoted for sh', () => {
    expect(script).toContain(`/work/main/bpf/build/agent --objdir '/opt/it'\\''s here' --out "$port" --max-depth 4 --samples 3\n`);
    expect(script).toContain(`= ${AGENT_PORT_NAME} ]`);
  });

  it('prints the banners src/vm/console.ts reads, in order', () => {
    const banners = [...script.matchAll(/tailmatrix-init: ([a-z-]+)/g)].map((m) => m[1]);
    expect(banners).toEqual(['start', 'mode', 'probe-ok', 'hang', 'panic', 'no-agent-port', 'agent-start', 'agent-exit']);
    expect(script.trimEnd().endsWith('exit $rc')).toBe(true);
  });
});

describe('planVngRoot', () => {
  const k = (over: Partial<FetchedKernel>): FetchedKernel => ({
    id: 'k',
    arch: 'amd64',
    sha256: 'x',
    dir: '/c/k',
    vmlinuz: '/c/k/root/boot/vmlinuz-6.1.0-50-cloud-amd64',
    origin: 't',
    ...over,
  });

  it('names the image after the modules dir, so vng finds lib/modules/<release> next to it (old layout)', () => {
    const r = planVngRoot(k({ modulesDir: '/c/k/root/lib/modules/6.1.0-50-cloud-amd64' }), '/tmp/s');
    expect(r).toEqual({
      dir: '/tmp/s/vng-root',
      kimg: '/tmp/s/vng-root/boot/vmlinuz-6.1.0-50-cloud-amd64',
      release: '6.1.0-50-cloud-amd64',
      depmod: { file: 'depmod', args: ['-a', '-b', '/tmp/s/vng-root', '6.1.0-50-cloud-amd64'] },
    });
  });

  it('handles the sid layout, where the image sits inside usr/lib/modules/<release>', () => {
    const rel = '7.2.13+deb14-cloud-amd64';
    const r = planVngRoot(
      k({ vmlinuz: `/c/k/root/usr/lib/modules/${rel}/vmlinuz`, modulesDir: `/c/k/root/usr/lib/modules/${rel}` }),
      '/tmp/s',
    );
    expect(r.kimg).toBe(`/tmp/s/vng-root/boot/vmlinuz-${rel}`);
    expect(r.depmod?.args).toEqual(['-a', '-b', '/tmp/s/vng-root', rel]);
  });

  it('runs no depmod for a kernel without modules', () => {
    const r = planVngRoot(k({ vmlinuz: '/x/bzImage', release: '6.6.0' }), '/tmp/s');
    expect(r.depmod).toBeUndefined();
    expect(r.kimg).toBe('/tmp/s/vng-root/boot/vmlinuz-6.6.0');
  });
});

describe('scratchDirFor', () => {
  it('is stable per work dir, distinct between cells, and short enough for a unix socket inside it', () => {
    const a = scratchDirFor({ workDir: '/very/long/results/run-2026-11-26T01-15-00Z/cells/5.10-cloud__retpoline__test-run' }, '/tmp');
    expect(scratchDirFor({ workDir: '/very/long/results/run-2026-11-26T01-15-00Z/cells/5.10-cloud__retpoline__test-run' }, '/tmp')).toBe(a);
    expect(scratchDirFor({ workDir: '/very/long/results/run-2026-11-26T01-15-00Z/cells/5.10-cloud__off__test-run' }, '/tmp')).not.toBe(a);
    // virtme's socket is <TMPDIR>/virtme + 8 random characters; sun_path holds 107 bytes.
    expect(`${a}/virtmeXXXXXXXX.pid`.length).toBeLessThan(107);
  });
});

describe('isRustVirtiofsd', () => {
  it('tells the Rust daemon vng can drive from QEMU 7.2 C one it cannot', () => {
    // `--version` of trixie's virtiofsd 1.13.2 and of bookworm's /usr/lib/qemu/virtiofsd, verbatim.
    expect(isRustVirtiofsd('virtiofsd 1.13.2\n')).toBe(true);
    expect(
      isRustVirtiofsd(
        'virtiofsd version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)\nCopyright (c) 2003-2022 Fabrice Bellard and the QEMU Project developers\nusing FUSE kernel interface version 7.36\n',
      ),
    ).toBe(false);
  });
});
