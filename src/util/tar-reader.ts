// The one tar reader: the same parsed entry list is what the safety check judges and what the extractor
// writes (src/util/tar-extract.ts), so no second program can read the archive differently from the check
// (issue 19: node-tar checked, GNU tar extracted, and they disagreed on `S`/`Z` entries and on PAX headers
// over 1 MiB). The reader is strict and fails closed: only regular files, folders, symlinks and hard links
// are entries; PAX (`x`) and GNU long-name (`L`/`K`) headers are applied; everything else — sparse files,
// GNU multi-volume/dump-dir headers, devices, FIFOs, unknown typeflags, unknown or repeated PAX keys, a
// header larger than 1 MiB, a bad header checksum, a truncated body — refuses the whole archive.
import { open } from 'node:fs/promises';
import path from 'node:path';
import { err, ok, type Result } from './result.js';

export type TarEntryType = 'file' | 'directory' | 'symlink' | 'hardlink';

export interface TarEntry {
  /** The path as stored (after PAX / GNU long-name headers), not yet normalised. */
  path: string;
  type: TarEntryType;
  /** Symlink or hard-link target, as stored. */
  linkpath?: string;
  /** Permission bits only (setuid, setgid and sticky bits are never extracted). */
  mode: number;
  size: number;
  /** Where the entry's data starts in the tar file. */
  dataOffset: number;
  /** Where its (first) header starts, for messages. */
  headerOffset: number;
}

const BLOCK = 512;
/** No legitimate PAX or long-name header comes near this (a path is at most 4096 bytes on Linux). */
const MAX_META_BYTES = 1024 * 1024;

/** PAX keys that only carry what extraction ignores anyway (times, owners, xattrs, charset). */
const IGNORED_PAX =
  /^(mtime|atime|ctime|uid|gid|uname|gname|comment|charset|hdrcharset|SCHILY\.xattr\..+|LIBARCHIVE\.xattr\..+|SCHILY\.(dev|ino|nlink|fflags)|LIBARCHIVE\.creationtime)$/;
const APPLIED_PAX = new Set(['path', 'linkpath', 'size']);

function cString(buf: Buffer, start: number, len: number): string {
  const slice = buf.subarray(start, start + len);
  const nul = slice.indexOf(0);
  return slice.subarray(0, nul === -1 ? len : nul).toString('utf8');
}

/** A numeric header field: octal text, or GNU's base-256 when the top bit of the first byte is set. */
function numberField(buf: Buffer, start: number, len: number): number | undefined {
  const first = buf[start] as number;
  if (first & 0x80) {
    if (first !== 0x80) return undefined; // negative or > 2^(8*(len-1)): nothing real
    let n = 0;
    for (let i = start + 1; i < start + len; i++) n = n * 256 + (buf[i] as number);
    return Number.isSafeInteger(n) ? n : undefined;
  }
  const text = buf
    .toString('latin1', start, start + len)
    .replace(/[\0 ]+$/, '')
    .replace(/^ +/, '');
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) return undefined;
  return parseInt(text, 8);
}

function checksumOk(h: Buffer): boolean {
  const stored = numberField(h, 148, 8);
  if (stored === undefined) return false;
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : (h[i] as number);
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  // Historic writers summed signed bytes; every reader accepts both.
  return stored === unsigned || stored === signed;
}

/** Parse a PAX extended header body: `<len> <key>=<value>\n` records, each length exact, no key twice. */
function parsePax(body: Buffer, where: string): Result<Map<string, string>, string> {
  const out = new Map<string, string>();
  let pos = 0;
  while (pos < body.length) {
    if (body[pos] === 0) break; // padding some writers leave
    const space = body.indexOf(0x20, pos);
    if (space === -1) return err(`${where}: malformed PAX record`);
    const lenText = body.toString('latin1', pos, space);
    const len = /^[1-9][0-9]*$/.test(lenText) ? Number(lenText) : NaN;
    if (!Number.isSafeInteger(len) || pos + len > body.length || body[pos + len - 1] !== 0x0a)
      return err(`${where}: malformed PAX record length "${lenText}"`);
    const record = body.toString('utf8', space + 1, pos + len - 1);
    const eq = record.indexOf('=');
    if (eq <= 0) return err(`${where}: malformed PAX record`);
    const key = record.slice(0, eq);
    if (out.has(key)) return err(`${where}: PAX key "${key}" given twice`);
    if (!APPLIED_PAX.has(key) && !IGNORED_PAX.test(key))
      return err(`${where}: unsupported PAX key "${key}" (sparse files and other extensions are not extracted)`);
    out.set(key, record.slice(eq + 1));
    pos += len;
  }
  return ok(out);
}

const TYPE_NAMES: Record<string, string> = {
  '3': 'character device',
  '4': 'block device',
  '6': 'FIFO',
  '7': 'contiguous file',
  S: 'GNU sparse file',
  Z: 'unknown GNU extension',
  D: 'GNU dump directory',
  M: 'GNU multi-volume continuation',
  V: 'GNU volume label',
  N: 'GNU old long name',
};

/**
 * Every entry of a plain (uncompressed) tar file, in order, or why the archive is refused. Nothing is
 * skipped silently: an entry the reader does not understand refuses the archive.
 */
export async function readTar(tarFile: string): Promise<Result<TarEntry[], string>> {
  const name = path.basename(tarFile);
  const fh = await open(tarFile, 'r');
  try {
    const { size: fileSize } = await fh.stat();
    const entries: TarEntry[] = [];
    const header = Buffer.alloc(BLOCK);
    let pos = 0;
    // Headers that apply to the next real entry.
    let pax: Map<string, string> | undefined;
    let longName: string | undefined;
    let longLink: string | undefined;
    let metaStart: number | undefined;
    for (;;) {
      if (pos + BLOCK > fileSize) {
        if (pos === fileSize && entries.length > 0 && pax === undefined && longName === undefined && longLink === undefined)
          return ok(entries); // no end marker: GNU tar accepts it too
        return err(`${name}: truncated at byte ${pos} (no end-of-archive marker)`);
      }
      await fh.read(header, 0, BLOCK, pos);
      if (header.every((b) => b === 0)) {
        if (pax !== undefined || longName !== undefined || longLink !== undefined)
          return err(`${name}: extended header at byte ${metaStart} is not followed by an entry`);
        return ok(entries);
      }
      const where = `${name}: header at byte ${pos}`;
      if (!checksumOk(header)) return err(`${where} has a bad checksum (corrupt or not a tar archive)`);
      const size = numberField(header, 124, 12);
      const mode = numberField(header, 100, 8);
      if (size === undefined || mode === undefined) return err(`${where} has a malformed size or mode field`);
      const flag = String.fromCharCode(header[156] as number);
      const dataOffset = pos + BLOCK;
      const next = dataOffset + Math.ceil(size / BLOCK) * BLOCK;
      if (dataOffset + size > fileSize)
        return err(`${where}: entry data truncated (${size} bytes declared, ${fileSize - dataOffset} left)`);

      if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
        if (size > MAX_META_BYTES) return err(`${where}: extended header of ${size} bytes (over ${MAX_META_BYTES}); refused`);
        const body = Buffer.alloc(size);
        await fh.read(body, 0, size, dataOffset);
        metaStart ??= pos;
        if (flag === 'x' || flag === 'g') {
          const parsed = parsePax(body, where);
          if (!parsed.ok) return parsed;
          if (flag === 'g') {
            // A global header (git archive writes one with `comment`) may only carry ignored keys.
            const applied = [...parsed.value.keys()].filter((k) => APPLIED_PAX.has(k));
            if (applied.length > 0) return err(`${where}: global PAX header sets ${applied.join(', ')}; refused`);
          } else {
            if (pax !== undefined) return err(`${where}: two PAX headers for one entry`);
            pax = parsed.value;
          }
        } else {
          const text = cString(body, 0, size);
          if (flag === 'L') {
            if (longName !== undefined) return err(`${where}: two GNU long names for one entry`);
            longName = text;
          } else {
            if (longLink !== undefined) return err(`${where}: two GNU long link names for one entry`);
            longLink = text;
          }
        }
        pos = next;
        continue;
      }

      const type: TarEntryType | undefined =
        flag === '0' || flag === '\0'
          ? 'file'
          : flag === '5'
            ? 'directory'
            : flag === '2'
              ? 'symlink'
              : flag === '1'
                ? 'hardlink'
                : undefined;
      const headerName = cString(header, 0, 100);
      if (type === undefined) {
        const what = TYPE_NAMES[flag] ?? `unknown typeflag ${JSON.stringify(flag)}`;
        return err(`${where}: entry "${headerName}" is a ${what}; refused`);
      }
      // POSIX ustar ("ustar\0" + "00") splits long names into prefix/name; GNU's "ustar  \0" does not.
      const posix = header.toString('latin1', 257, 263) === 'ustar\0';
      const prefix = posix ? cString(header, 345, 155) : '';
      const fromHeader = prefix === '' ? headerName : `${prefix}/${headerName}`;
      const paxPath = pax?.get('path');
      const paxLink = pax?.get('linkpath');
      if (paxPath !== undefined && longName !== undefined) return err(`${where}: both a PAX path and a GNU long name; refused`);
      if (paxLink !== undefined && longLink !== undefined) return err(`${where}: both a PAX linkpath and a GNU long link name; refused`);
      const entryPath = paxPath ?? longName ?? fromHeader;
      const linkpath = type === 'symlink' || type === 'hardlink' ? (paxLink ?? longLink ?? cString(header, 157, 100)) : undefined;
      let realSize = size;
      const paxSize = pax?.get('size');
      if (paxSize !== undefined) {
        if (!/^[0-9]+$/.test(paxSize) || !Number.isSafeInteger(Number(paxSize))) return err(`${where}: malformed PAX size "${paxSize}"`);
        realSize = Number(paxSize);
      }
      if (entryPath === '' || entryPath.includes('\0')) return err(`${where}: entry with an empty name`);
      if (type !== 'file' && realSize !== 0) return err(`${where}: ${type} "${entryPath}" declares ${realSize} bytes of data; refused`);
      const realNext = dataOffset + Math.ceil(realSize / BLOCK) * BLOCK;
      if (dataOffset + realSize > fileSize) return err(`${where}: entry "${entryPath}" truncated`);
      entries.push({ path: entryPath, type, linkpath, mode: mode & 0o777, size: realSize, dataOffset, headerOffset: metaStart ?? pos });
      pax = undefined;
      longName = undefined;
      longLink = undefined;
      metaStart = undefined;
      pos = realNext;
    }
  } finally {
    await fh.close();
  }
}
