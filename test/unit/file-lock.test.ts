// The cross-process lock with real processes: a holder killed with SIGKILL, a lock file left empty or
// half-written (the wedge of issue 13), many processes racing, a bounded wait that names the holder.
import { chown, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock, tryLock } from '../../src/util/file-lock.js';
import { startNode } from '../support/node-child.js';

const LOCK_MODULE = JSON.stringify(path.resolve('src/util/file-lock.ts'));

async function target(): Promise<string> {
  return path.join(await mkdtemp(path.join(os.tmpdir(), 'tm-lock-')), 'x');
}

// Child processes start through tsx: seconds each on a loaded machine.
describe('file lock', { timeout: 30_000 }, () => {
  it('a second holder waits until the first releases, and is told who holds it', async () => {
    const t = await target();
    const order: string[] = [];
    const release1 = await acquireLock(t);
    let owner = '';
    const second = acquireLock(t, {
      onWait: (o) => {
        owner = o;
        order.push('waiting');
      },
    }).then((rel) => {
      order.push('second');
      return rel;
    });
    await new Promise((r) => setTimeout(r, 600));
    order.push('release first');
    await release1();
    await (await second)();
    expect(order).toEqual(['waiting', 'release first', 'second']);
    expect(owner).toContain(`pid ${process.pid}`);
  });

  it('an empty or half-written lock file (a crash between open and write) does not block anyone', async () => {
    const t = await target();
    await writeFile(`${t}.lock`, '');
    const started = Date.now();
    const release = await acquireLock(t, { timeoutMs: 5_000 });
    expect(Date.now() - started).toBeLessThan(2_000);
    await release();
    await writeFile(`${t}.lock`, 'otherhost:12');
    await (await acquireLock(t, { timeoutMs: 5_000 }))();
  });

  it('a lock file that is a symlink is refused, its target untouched (root would have truncated it)', async () => {
    const t = await target();
    const victim = path.join(path.dirname(t), 'victim');
    await writeFile(victim, 'precious\n');
    await symlink(victim, `${t}.lock`);
    await expect(acquireLock(t)).rejects.toThrow(`refusing the lock file ${t}.lock: it is a symlink`);
    await expect(tryLock(t)).rejects.toThrow('it is a symlink');
    expect(await readFile(victim, 'utf8')).toBe('precious\n');
  });

  it("a lock file another user owns is refused (planted before the cache's owner made it)", async () => {
    const t = await target();
    await writeFile(`${t}.lock`, '');
    await chown(`${t}.lock`, 65534, 65534);
    await expect(acquireLock(t)).rejects.toThrow(/owned by uid 65534, not by this user/);
  });

  it('a holder killed with SIGKILL leaves the lock free at once', async () => {
    const t = await target();
    const holder = startNode(`import { acquireLock } from ${LOCK_MODULE};
      await acquireLock(${JSON.stringify(t)}); console.log('locked'); setInterval(() => {}, 1000);`);
    await holder.line('locked');
    expect(await tryLock(t)).toBeUndefined();
    holder.child.kill('SIGKILL');
    await holder.exited;
    const started = Date.now();
    const release = await acquireLock(t, { timeoutMs: 10_000 });
    expect(Date.now() - started).toBeLessThan(3_000);
    await release();
  });

  it('processes racing for a lock its dead owner left are never two holders at once', async () => {
    const t = await target();
    const log = `${t}.log`;
    // The lock file of a dead owner, as the old pid-file lock would have left it.
    await writeFile(`${t}.lock`, `${os.hostname()}:999999\n`);
    const racers = Array.from({ length: 4 }, (_, i) =>
      startNode(`import { acquireLock } from ${LOCK_MODULE};
        import { appendFile } from 'node:fs/promises';
        for (let n = 0; n < 3; n++) {
          const release = await acquireLock(${JSON.stringify(t)});
          await appendFile(${JSON.stringify(log)}, 'in ${i}\\n');
          await new Promise((r) => setTimeout(r, 30));
          await appendFile(${JSON.stringify(log)}, 'out ${i}\\n');
          await release();
        }`),
    );
    expect(await Promise.all(racers.map((r) => r.exited))).toEqual([0, 0, 0, 0]);
    const lines = (await readFile(log, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(24);
    // Strictly alternating in/out of the same racer: nobody entered while another was inside.
    for (let i = 0; i < lines.length; i += 2) expect(lines[i + 1]).toBe(lines[i]!.replace('in', 'out'));
  }, 60_000);

  it('a wait is bounded and its message names the holder and what to do', async () => {
    const t = await target();
    const release = await acquireLock(t);
    await expect(acquireLock(t, { timeoutMs: 800 })).rejects.toThrow(
      new RegExp(`held by host ${os.hostname()} pid ${process.pid}.*kill the pid`),
    );
    await release();
  });

  it('waiting can be aborted', async () => {
    const t = await target();
    const release = await acquireLock(t);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    await expect(acquireLock(t, { signal: ac.signal })).rejects.toThrow(/abort/i);
    await release();
  });
});
