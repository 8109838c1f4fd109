// ensurePayload really builds bpf/ (clang, gcc -static, libbpf) into a temporary cache: the first
// call builds, the second reuses, a changed source rebuilds, and a machine without the compilers
// gets a message naming them.
import { cp, mkdtemp, readFile, rm, stat, writeFile, appendFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePayload, PAYLOAD_OBJECTS } from '../../src/guest/payload.js';
import { PACKAGE_ROOT } from '../../src/util/paths.js';

/** ELF e_machine of eBPF objects (EM_BPF). */
const EM_BPF = 247;
/** ELF e_machine of x86-64 executables (EM_X86_64). */
const EM_X86_64 = 62;
/** A cold build of clang ×2 plus a static link, on a busy 2-core machine. */
const BUILD_TEST_TIMEOUT_MS = 120_000;

async function elfMachine(file: string): Promise<number> {
  const b = await readFile(file);
  expect(b.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
  return b.readUInt16LE(18);
}

describe('ensurePayload', () => {
  let tmp: string;
  let sourceDir: string;
  let cacheDir: string;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'tailmatrix-payload-'));
    sourceDir = path.join(tmp, 'bpf');
    cacheDir = path.join(tmp, 'cache');
    // A copy of the real sources, so the rebuild test can edit one without touching the repo.
    const bpfRoot = path.join(PACKAGE_ROOT, 'bpf');
    await cp(bpfRoot, sourceDir, { recursive: true, filter: (src) => path.relative(bpfRoot, src).split(path.sep)[0] !== 'build' });
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it(
    'builds once, reuses the cache, rebuilds when a source changes',
    async () => {
      const first = await ensurePayload({ sourceDir, cacheDir });
      if (!first.ok) throw new Error(first.error);
      const p = first.value;
      expect(p.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(await elfMachine(p.agent)).toBe(EM_X86_64);
      // Static: no PT_INTERP, so it runs in an initramfs without a dynamic loader.
      expect((await readFile(p.agent)).includes(Buffer.from('/lib64/ld-linux-x86-64.so'))).toBe(false);
      for (const o of PAYLOAD_OBJECTS) expect(await elfMachine(path.join(p.objDir, o))).toBe(EM_BPF);
      const builtAt = (await stat(p.agent)).mtimeMs;

      const second = await ensurePayload({ sourceDir, cacheDir });
      expect(second).toEqual(first);
      expect((await stat(p.agent)).mtimeMs).toBe(builtAt);

      await appendFile(path.join(sourceDir, 'tailcall.bpf.h'), '/* changed */\n');
      const third = await ensurePayload({ sourceDir, cacheDir });
      if (!third.ok) throw new Error(third.error);
      expect(third.value.hash).not.toBe(p.hash);
      expect(third.value.agent).not.toBe(p.agent);
    },
    BUILD_TEST_TIMEOUT_MS,
  );

  it(
    'never hands out a cached agent or object that no longer hashes as built: it is rebuilt, and says so',
    async () => {
      const first = await ensurePayload({ sourceDir, cacheDir });
      if (!first.ok) throw new Error(first.error);
      const agent = first.value.agent;
      const built = await readFile(agent);
      // Five bytes flipped in the middle of the static agent: it would still run, as root.
      const flipped = Buffer.from(built);
      for (let i = 0; i < 5; i++) flipped[(flipped.length >> 1) + i]! ^= 0xff;
      await writeFile(agent, flipped);
      const again = await ensurePayload({ sourceDir, cacheDir });
      if (!again.ok) throw new Error(again.error);
      expect(again.value.rebuilt).toBe('the cached payload failed its check (agent no longer hashes as built): rebuilt');
      expect(again.value.hash).toBe(first.value.hash);
      expect((await readFile(again.value.agent)).equals(built)).toBe(true);

      // An object swapped for another one of the payload's own objects is caught the same way.
      const [a, b] = PAYLOAD_OBJECTS;
      await cp(path.join(again.value.objDir, b), path.join(again.value.objDir, a));
      const swapped = await ensurePayload({ sourceDir, cacheDir });
      if (!swapped.ok) throw new Error(swapped.error);
      expect(swapped.value.rebuilt).toBe(`the cached payload failed its check (bpf/${a} no longer hashes as built): rebuilt`);
      // Checked and intact: handed out as it is, with nothing to say.
      const clean = await ensurePayload({ sourceDir, cacheDir });
      expect(clean.ok && clean.value.rebuilt).toBe(undefined);
    },
    BUILD_TEST_TIMEOUT_MS,
  );

  it('names what is missing when the compilers cannot be found', async () => {
    const emptyBin = path.join(tmp, 'empty-bin');
    await cp(sourceDir, path.join(tmp, 'other-src'), { recursive: true });
    await writeFile(path.join(tmp, 'other-src', 'extra.h'), '/* a source the cache has never seen */\n');
    const res = await ensurePayload({ sourceDir: path.join(tmp, 'other-src'), cacheDir, env: { PATH: emptyBin } });
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.error).toMatch(/clang \(BPF target\): install clang/);
    expect(res.error).toMatch(/make: install make/);
    expect(res.error).toMatch(/libbpf-dev/);
  });
});
