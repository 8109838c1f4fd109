// Unpacking what kernels ship in: .deb (an `ar` archive holding data.tar.{xz,zst,gz}), tarballs
// (gz/xz/zst/plain) and raw images. xz and zstd go through their CLIs (Node 20 has no zstd); every tar
// is read once by the one tar reader (tar-reader.ts) and refused as a whole when any entry would land
// outside the destination ("..", absolute paths, hard links out, writes or hard links through a symlink
// — its own or one an earlier archive left in the same root — devices, sparse and unknown entries, names
// given twice), so nothing half-extracted remains; only then are the very entries it judged written, by
// tar-extract.ts, which on its own never writes through a link (defence in depth).
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, open, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { execCommand } from './exec.js';
import { err, ok, type Result } from './result.js';
import { relPath, writeEntries } from './tar-extract.js';
import { readTar, type TarEntry, type TarEntryType } from './tar-reader.js';

/** How long decompressing one archive may take: a 100 MB modules tarball takes seconds, not minutes. */
const DECOMPRESS_TIMEOUT_MS = 10 * 60_000;

type Compression = 'gzip' | 'xz' | 'zstd' | 'none';
type ContentKind = 'deb' | 'tar' | 'bzimage' | 'unknown';

const AR_MAGIC = '!<arch>\n';
const AR_HEADER_BYTES = 60;
/** x86 boot protocol: "HdrS" at 0x202 marks a bzImage. */
const BZIMAGE_MAGIC_OFFSET = 0x202;

function detectCompression(head: Uint8Array): Compression {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head[0] === 0xfd && head[1] === 0x37 && head[2] === 0x7a && head[3] === 0x58 && head[4] === 0x5a) return 'xz';
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  return 'none';
}

export async function readHead(file: string, bytes = 1024): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** What a downloaded file is, from its first bytes (url sources with format "auto"). */
export function detectContent(head: Uint8Array): ContentKind {
  if (Buffer.from(head.subarray(0, 8)).toString('latin1') === AR_MAGIC) return 'deb';
  if (Buffer.from(head.subarray(BZIMAGE_MAGIC_OFFSET, BZIMAGE_MAGIC_OFFSET + 4)).toString('latin1') === 'HdrS') return 'bzimage';
  if (detectCompression(head) !== 'none') return 'tar';
  // POSIX tar: "ustar" at offset 257.
  if (Buffer.from(head.subarray(257, 262)).toString('latin1') === 'ustar') return 'tar';
  return 'unknown';
}

interface ArMember {
  name: string;
  offset: number;
  size: number;
}

/** The members of an `ar` archive (a .deb): name, data offset and size. */
export async function readArMembers(file: string): Promise<Result<ArMember[], string>> {
  const fh = await open(file, 'r');
  try {
    const { size: fileSize } = await fh.stat();
    const magic = Buffer.alloc(8);
    await fh.read(magic, 0, 8, 0);
    if (magic.toString('latin1') !== AR_MAGIC) return err(`${path.basename(file)}: not an ar archive (.deb)`);
    const members: ArMember[] = [];
    let pos = 8;
    const header = Buffer.alloc(AR_HEADER_BYTES);
    while (pos + AR_HEADER_BYTES <= fileSize) {
      await fh.read(header, 0, AR_HEADER_BYTES, pos);
      const name = header.toString('latin1', 0, 16).trim().replace(/\/$/, '');
      const size = Number(header.toString('latin1', 48, 58).trim());
      if (!Number.isInteger(size) || size < 0 || header.toString('latin1', 58, 60) !== '`\n') {
        return err(`${path.basename(file)}: corrupt ar header at byte ${pos}`);
      }
      const offset = pos + AR_HEADER_BYTES;
      if (offset + size > fileSize) return err(`${path.basename(file)}: member ${name} is truncated`);
      members.push({ name, offset, size });
      pos = offset + size + (size % 2); // members are 2-byte aligned
    }
    return ok(members);
  } finally {
    await fh.close();
  }
}

/** Decompress (or copy) `input` to the plain file `output`, streaming. */
export async function decompressTo(
  input: string,
  output: string,
  signal?: AbortSignal,
  range?: { start: number; size: number },
): Promise<Result<void, string>> {
  const src = () => createReadStream(input, range ? { start: range.start, end: range.start + range.size - 1 } : {});
  const head = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = createReadStream(input, { start: range?.start ?? 0, end: (range?.start ?? 0) + 7 });
    s.on('data', (c) => chunks.push(c as Buffer));
    s.on('end', () => resolve(Buffer.concat(chunks)));
    s.on('error', reject);
  });
  const kind = detectCompression(head);
  try {
    if (kind === 'none') await pipeline(src(), createWriteStream(output), { signal });
    else if (kind === 'gzip') await pipeline(src(), createGunzip(), createWriteStream(output), { signal });
    else {
      // The CLIs read a whole file: cut the member out first when it sits inside an ar archive.
      let whole = input;
      if (range) {
        whole = `${output}.member`;
        await pipeline(src(), createWriteStream(whole), { signal });
      }
      try {
        const res =
          kind === 'xz'
            ? await execCommand('sh', ['-c', 'exec xz -dc -- "$1" > "$2"', 'sh', whole, output], {
                signal,
                timeoutMs: DECOMPRESS_TIMEOUT_MS,
              })
            : await execCommand('zstd', ['-d', '-q', '-f', '-o', output, '--', whole], { signal, timeoutMs: DECOMPRESS_TIMEOUT_MS });
        if (!res.ok) return err(`cannot decompress ${path.basename(input)} (${kind}): ${res.error.message}`);
      } finally {
        if (whole !== input) await rm(whole, { force: true });
      }
    }
    return ok(undefined);
  } catch (e) {
    await rm(output, { force: true });
    if (signal?.aborted) return err('canceled');
    return err(`cannot decompress ${path.basename(input)}: ${(e as Error).message}`);
  }
}

/** Why an entry would escape the destination, or undefined when it is safe. */
export function unsafeEntry(entryPath: string, type: TarEntryType, linkpath?: string): string | undefined {
  const bad = (p: string) => p.startsWith('/') || /^[A-Za-z]:/.test(p) || p.split(/[\\/]+/).includes('..');
  if (bad(entryPath)) return `entry "${entryPath}" has an absolute path or ".."`;
  // A hard link copies the target's inode: one pointing outside would expose (or clobber) host files.
  if (type === 'hardlink' && linkpath !== undefined && bad(linkpath)) return `hard link "${entryPath}" points to "${linkpath}"`;
  return undefined;
}

interface ListedEntry {
  path: string;
  type: TarEntryType;
  linkpath?: string;
}

/**
 * What is a symlink in the root once the archive is unpacked over what is already there: the archive's
 * own symlinks so far, else the disk (earlier layers of an OCI image, the other .debs of one kernel).
 */
class RootLinks {
  private readonly disk = new Map<string, Promise<boolean>>();
  private readonly archive = new Map<string, boolean>();

  constructor(private readonly root: string | undefined) {}

  /** The archive sets `rel` (a symlink when `isLink`, anything else otherwise): later entries see it. */
  set(rel: string, isLink: boolean): void {
    this.archive.set(rel, isLink);
  }

  async isLink(rel: string): Promise<boolean> {
    const own = this.archive.get(rel);
    if (own !== undefined) return own;
    if (this.root === undefined) return false;
    let onDisk = this.disk.get(rel);
    if (onDisk === undefined) {
      onDisk = lstat(path.join(this.root, rel)).then(
        (st) => st.isSymbolicLink(),
        () => false,
      );
      this.disk.set(rel, onDisk);
    }
    return onDisk;
  }

  /** The first symlink among the folders leading to `rel` (and `rel` itself when `withSelf`). */
  async linkOnTheWay(rel: string, withSelf: boolean): Promise<string | undefined> {
    const parts = rel.split('/');
    for (let i = 1; i <= parts.length - (withSelf ? 0 : 1); i++) {
      const prefix = parts.slice(0, i).join('/');
      if (await this.isLink(prefix)) return prefix;
    }
    return undefined;
  }
}

/** Why one (already listed, in order) entry is unsafe over `links`, or undefined. */
async function unsafeOver(e: ListedEntry, links: RootLinks, seen: Set<string>): Promise<string | undefined> {
  const why = unsafeEntry(e.path, e.type, e.linkpath);
  if (why !== undefined) return why;
  const rel = relPath(e.path);
  if (rel === '.' || rel === '') return undefined;
  // Two entries for one name: which one wins is the extractor's choice, so neither is taken.
  if (seen.has(rel)) return `entry "${e.path}" appears twice`;
  seen.add(rel);
  // A folder entry over a symlink would let later entries (or layers) write through it.
  const via = await links.linkOnTheWay(rel, e.type === 'directory');
  if (via !== undefined) return `entry "${e.path}" would be written through the symlink "${via}"`;
  if (e.type === 'hardlink' && e.linkpath !== undefined) {
    // A hard link to a path through a symlink links a file outside the root (its inode, writable).
    const target = relPath(e.linkpath);
    const tvia = await links.linkOnTheWay(target, true);
    if (tvia !== undefined) return `hard link "${e.path}" points to "${e.linkpath}" through the symlink "${tvia}"`;
  }
  links.set(rel, e.type === 'symlink');
  return undefined;
}

/** OCI whiteouts (`.wh.*`) are not extracted: they change nothing on disk. */
function isWhiteout(e: TarEntry): boolean {
  return path.posix.basename(relPath(e.path)).startsWith('.wh.');
}

/** The entries of a tar that may be written into `root`, or why the whole archive is refused. */
async function checkedEntries(tarFile: string, root?: string): Promise<Result<TarEntry[], string>> {
  const read = await readTar(tarFile);
  if (!read.ok) return err(`refusing archive ${read.error}`);
  const links = new RootLinks(root);
  const seen = new Set<string>();
  const problems: string[] = [];
  const kept: TarEntry[] = [];
  for (const e of read.value) {
    if (isWhiteout(e)) {
      const why = unsafeEntry(e.path, e.type, e.linkpath);
      if (why !== undefined) problems.push(why);
      continue;
    }
    const why = await unsafeOver(e, links, seen);
    if (why !== undefined) problems.push(why);
    else kept.push(e);
  }
  if (problems.length > 0) {
    const more = problems.length > 5 ? ` (and ${problems.length - 5} more)` : '';
    return err(`refusing archive ${path.basename(tarFile)}: ${problems.slice(0, 5).join('; ')}${more}`);
  }
  return ok(kept);
}

/**
 * Read a plain tar with the one tar reader (src/util/tar-reader.ts) and report every unsafe entry:
 * what the reader refuses (unknown typeflags, GNU sparse, devices, oversized or repeated PAX headers, a
 * bad checksum), escaping paths, names given twice, and entries (or hard link targets) reached through
 * a symlink — one the same archive created, or one already in `root` from an earlier archive unpacked
 * there (layer 1 `x -> /root/.ssh`, layer 2 `x/authorized_keys`).
 */
export async function checkTar(tarFile: string, root?: string): Promise<Result<void, string>> {
  const r = await checkedEntries(tarFile, root);
  return r.ok ? ok(undefined) : r;
}

/**
 * Extract a plain tar into dest: the entries the check accepted, exactly as the same reader parsed
 * them, written one by one by src/util/tar-extract.ts (which refuses any symlink on the way on its
 * own). OCI whiteouts (.wh.*) are skipped.
 */
async function extractTar(tarFile: string, dest: string, signal?: AbortSignal): Promise<Result<void, string>> {
  const checked = await checkedEntries(tarFile, dest);
  if (!checked.ok) return checked;
  try {
    return await writeEntries(tarFile, checked.value, dest, signal);
  } catch (e) {
    return err(`cannot extract ${path.basename(tarFile)} into ${dest}: ${(e as Error).message}`);
  }
}

/** Decompress a (compressed) tarball to a temp file next to it, check it, extract it, remove the temp. */
export async function extractTarball(
  file: string,
  dest: string,
  tmpDir: string,
  signal?: AbortSignal,
  range?: { start: number; size: number },
): Promise<Result<void, string>> {
  const plain = path.join(tmpDir, `${path.basename(file)}.${range?.start ?? 0}.tar`);
  try {
    const dec = await decompressTo(file, plain, signal, range);
    if (!dec.ok) return dec;
    return await extractTar(plain, dest, signal);
  } finally {
    await rm(plain, { force: true });
  }
}

/** Extract a .deb's data.tar.* into dest. */
export async function extractDeb(file: string, dest: string, tmpDir: string, signal?: AbortSignal): Promise<Result<void, string>> {
  const members = await readArMembers(file);
  if (!members.ok) return members;
  const data = members.value.find((m) => /^data\.tar(\.(xz|zst|gz))?$/.test(m.name));
  if (data === undefined) return err(`${path.basename(file)}: no data.tar member (has ${members.value.map((m) => m.name).join(', ')})`);
  return extractTarball(file, dest, tmpDir, signal, { start: data.offset, size: data.size });
}
