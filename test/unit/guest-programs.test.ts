// ldd's output as the list of files a guest program needs (src/guest/programs.ts).
import { describe, expect, it } from 'vitest';
import { parseLdd } from '../../src/guest/programs.js';

describe('parseLdd', () => {
  it("bookworm's iperf3: its libraries and the interpreter, not the vDSO", () => {
    const text = [
      '\tlinux-vdso.so.1 (0x00007ffd3b5f4000)',
      '\tlibiperf.so.0 => /lib/x86_64-linux-gnu/libiperf.so.0 (0x00007f0c1a8e5000)',
      '\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f0c1a704000)',
      '\t/lib64/ld-linux-x86-64.so.2 (0x00007f0c1a93a000)',
    ].join('\n');
    expect(parseLdd(text, '/usr/bin/iperf3')).toEqual({
      ok: true,
      value: ['/lib/x86_64-linux-gnu/libiperf.so.0', '/lib/x86_64-linux-gnu/libc.so.6', '/lib64/ld-linux-x86-64.so.2'],
    });
  });

  it('a library the loader cannot find is an error naming it', () => {
    const res = parseLdd('\tlibsctp.so.1 => not found\n\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x1)\n', '/usr/bin/iperf3');
    expect(res).toEqual({ ok: false, error: "/usr/bin/iperf3 needs libsctp.so.1, which the host's loader cannot find" });
  });

  it('a static binary needs nothing', () => {
    expect(parseLdd('\tnot a dynamic executable\n', '/bin/busybox')).toEqual({ ok: true, value: [] });
  });
});
