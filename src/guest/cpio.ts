// A writer for the "newc" cpio format, the one the kernel unpacks as an initramfs. Written here rather
// than shelling out to cpio(1) so that device nodes (/dev/console) need no root, entries are in a fixed
// order with fixed timestamps, and the same inputs always give the same bytes (and the same cache key).

export type CpioEntry =
  | { type: 'dir'; path: string; mode?: number }
  | { type: 'file'; path: string; data: Uint8Array; mode?: number }
  | { type: 'symlink'; path: string; target: string }
  | { type: 'chardev'; path: string; major: number; minor: number; mode?: number };

const MAGIC = '070701';
/** newc header: 6-byte magic + 13 fields of 8 hex digits. */
const HEADER_LEN = 110;
/** newc pads the name and the data to multiples of 4 bytes. */
const ALIGN = 4;
const TRAILER = 'TRAILER!!!';

// File type bits of st_mode (sys/stat.h).
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;

function hex8(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new Error(`cpio field out of range: ${n}`);
  return n.toString(16).padStart(8, '0');
}

function pad(len: number): number {
  return (ALIGN - (len % ALIGN)) % ALIGN;
}

function modeOf(e: CpioEntry): number {
  switch (e.type) {
    case 'dir':
      return S_IFDIR | (e.mode ?? 0o755);
    case 'file':
      return S_IFREG | (e.mode ?? 0o644);
    case 'symlink':
      return S_IFLNK | 0o777;
    case 'chardev':
      return S_IFCHR | (e.mode ?? 0o600);
  }
}

function bodyOf(e: CpioEntry): Uint8Array {
  if (e.type === 'file') return e.data;
  if (e.type === 'symlink') return new TextEncoder().encode(e.target);
  return new Uint8Array(0);
}

function header(
  name: string,
  fields: { ino: number; mode: number; nlink: number; size: number; rmajor: number; rminor: number },
): Uint8Array {
  const nameBytes = new TextEncoder().encode(name);
  const namesize = nameBytes.length + 1; // with its NUL
  const text =
    MAGIC +
    [fields.ino, fields.mode, 0, 0, fields.nlink, 0, fields.size, 0, 0, fields.rmajor, fields.rminor, namesize, 0].map(hex8).join('');
  const out = new Uint8Array(HEADER_LEN + namesize + pad(HEADER_LEN + namesize));
  out.set(new TextEncoder().encode(text), 0);
  out.set(nameBytes, HEADER_LEN);
  return out;
}

/** Archive paths are relative ("bin/sh"), as the kernel and cpio -i expect. */
function archiveName(p: string): string {
  const name = p.replace(/^\/+/, '');
  if (name === '' || name.split('/').includes('..')) throw new Error(`bad cpio path: ${p}`);
  return name;
}

/** The archive bytes, entries in the given order (parents must come before their children). */
export function writeNewc(entries: readonly CpioEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let ino = 1;
  for (const e of entries) {
    const body = bodyOf(e);
    parts.push(
      header(archiveName(e.path), {
        ino: ino++,
        mode: modeOf(e),
        nlink: e.type === 'dir' ? 2 : 1,
        size: body.length,
        rmajor: e.type === 'chardev' ? e.major : 0,
        rminor: e.type === 'chardev' ? e.minor : 0,
      }),
      body,
      new Uint8Array(pad(body.length)),
    );
  }
  parts.push(header(TRAILER, { ino: 0, mode: 0, nlink: 1, size: 0, rmajor: 0, rminor: 0 }));
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Directory entries for every parent of the given paths that is not listed yet, parents first. */
export function withParents(entries: readonly CpioEntry[]): CpioEntry[] {
  const seen = new Set(entries.filter((e) => e.type === 'dir').map((e) => archiveName(e.path)));
  const out: CpioEntry[] = [];
  for (const e of entries) {
    const parts = archiveName(e.path).split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (!seen.has(dir)) {
        seen.add(dir);
        out.push({ type: 'dir', path: dir });
      }
    }
    out.push(e);
  }
  return out;
}
