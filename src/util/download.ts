// HTTP downloads that either deliver the exact, verified bytes or fail clearly: retries with backoff on
// server errors, cut connections and short bodies; a full disk is not retried (the next attempt would
// fill it again) and says how much space is needed where; a file is written to a temp path and only
// reported when complete; Ctrl-C (AbortSignal) removes it. Uses got, with its own retry disabled so that every
// attempt is counted, verified and cleaned up here.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm, statfs } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import got, { type Response } from 'got';
import { err, ok, type Result } from './result.js';

/** Attempts per URL: a mirror hiccup rarely lasts three tries, a dead mirror should fail in seconds. */
const DEFAULT_ATTEMPTS = 4;
/** First backoff; doubled each retry (0.5, 1, 2 s): short enough that a flaky mirror costs little. */
const DEFAULT_BACKOFF_MS = 500;
/** No byte for this long means a dead connection (Debian mirrors answer within a second). */
const IDLE_TIMEOUT_MS = 60_000;
/** Connecting should be quick; a blackholed host must not hang a CI job. */
const CONNECT_TIMEOUT_MS = 20_000;

/** Statuses worth retrying: the server may answer next time. 4xx other than these will not change. */
const RETRY_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

export interface DownloadOptions {
  headers?: Record<string, string>;
  signal?: AbortSignal;
  attempts?: number;
  backoffMs?: number;
  /** Bytes received in the current attempt and the expected total when known. */
  onProgress?: (received: number, total: number | undefined) => void;
  /** Told about each retry (to show "retrying after HTTP 503"). */
  onRetry?: (attempt: number, reason: string) => void;
  /** No byte for this long ends the attempt (default IDLE_TIMEOUT_MS). */
  idleTimeoutMs?: number;
}

interface DownloadFailure {
  url: string;
  /** HTTP status of the last attempt, when there was a response. */
  status?: number;
  /** The disk (or quota) filled up while writing: retrying cannot help. */
  diskFull?: boolean;
  canceled: boolean;
  attempts: number;
  message: string;
}

interface Downloaded {
  sha256: string;
  bytes: number;
  /** All bytes received over the network, failed attempts included. */
  networkBytes: number;
  attempts: number;
  headers: Record<string, string | string[] | undefined>;
}

class AttemptError extends Error {
  constructor(
    message: string,
    readonly retry: boolean,
    readonly status?: number,
    readonly diskFull = false,
  ) {
    super(message);
  }
}

/** Errors of the local disk, not of the network. */
const DISK_FULL_CODES = new Set(['ENOSPC', 'EDQUOT']);

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

async function diskFullMessage(file: string, total: number | undefined, received: number): Promise<string> {
  const dir = path.dirname(file);
  const fs = await statfs(dir).catch(() => undefined);
  const free = fs ? ` (${mib(fs.bavail * fs.bsize)} free after removing the partial file)` : '';
  const need = total !== undefined ? `${mib(total)} needed` : `more than the ${mib(received)} written needed`;
  return `no space left on the disk of ${dir}: ${need}${free}`;
}

function describe(e: unknown): string {
  const x = e as { code?: string; message?: string };
  return x.code ? `${x.code}: ${x.message ?? ''}`.trim() : (x.message ?? String(e));
}

async function attemptOnce(url: string, file: string, opts: DownloadOptions, counted: { bytes: number }): Promise<Downloaded> {
  const hash = createHash('sha256');
  let received = 0;
  let total: number | undefined;
  let response: Response | undefined;
  // got wraps whatever the stream is destroyed with: keep our own verdict on the HTTP status aside.
  let httpError: AttemptError | undefined;
  const stream = got.stream(url, {
    headers: opts.headers,
    retry: { limit: 0 },
    throwHttpErrors: false,
    decompress: false,
    signal: opts.signal,
    timeout: { connect: CONNECT_TIMEOUT_MS, socket: opts.idleTimeoutMs ?? IDLE_TIMEOUT_MS },
  });
  stream.once('response', (res: Response) => {
    response = res;
    const len = Number(res.headers['content-length']);
    total = Number.isFinite(len) && len >= 0 ? len : undefined;
    if (res.statusCode >= 400) {
      httpError = new AttemptError(
        `HTTP ${res.statusCode} ${res.statusMessage ?? ''}`.trim(),
        RETRY_STATUS.has(res.statusCode),
        res.statusCode,
      );
      stream.destroy(httpError);
    }
  });
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      received += chunk.length;
      counted.bytes += chunk.length;
      hash.update(chunk);
      opts.onProgress?.(received, total);
      done(null, chunk);
    },
  });
  try {
    await pipeline(stream, counter, createWriteStream(file));
  } catch (e) {
    if (httpError !== undefined) throw httpError;
    if (opts.signal?.aborted) throw e;
    if (DISK_FULL_CODES.has((e as NodeJS.ErrnoException).code ?? '')) {
      await rm(file, { force: true });
      throw new AttemptError(await diskFullMessage(file, total, received), false, response?.statusCode, true);
    }
    // Cut connection, reset, timeout, premature close: the next attempt may well succeed.
    throw new AttemptError(describe(e), true, response?.statusCode);
  }
  // A server that lies about Content-Length (or a proxy that truncates) must not pass as complete.
  if (total !== undefined && received !== total) {
    throw new AttemptError(`truncated body: got ${received} of ${total} bytes`, true, response?.statusCode);
  }
  return { sha256: hash.digest('hex'), bytes: received, networkBytes: 0, attempts: 0, headers: response?.headers ?? {} };
}

/**
 * Download `url` to `file` (created or replaced; removed again on failure). The caller verifies the
 * returned sha256 (or passes the file to KernelCache.putBlob with the expected one).
 */
export async function downloadToFile(url: string, file: string, opts: DownloadOptions = {}): Promise<Result<Downloaded, DownloadFailure>> {
  const attempts = opts.attempts ?? DEFAULT_ATTEMPTS;
  const counted = { bytes: 0 };
  let last: AttemptError | undefined;
  let made = 0;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    made = attempt;
    try {
      const got = await attemptOnce(url, file, opts, counted);
      return ok({ ...got, networkBytes: counted.bytes, attempts: attempt });
    } catch (e) {
      await rm(file, { force: true });
      if (opts.signal?.aborted) {
        return err({ url, canceled: true, attempts: attempt, message: `${url}: canceled` });
      }
      if (!(e instanceof AttemptError)) throw e;
      last = e;
      if (!e.retry || attempt === attempts) break;
      opts.onRetry?.(attempt, e.message);
      try {
        await sleep((opts.backoffMs ?? DEFAULT_BACKOFF_MS) * 2 ** (attempt - 1), undefined, { signal: opts.signal });
      } catch {
        return err({ url, canceled: true, attempts: attempt, message: `${url}: canceled` });
      }
    }
  }
  const tries = last?.retry ? ` after ${attempts} attempts` : '';
  return err({
    url,
    status: last?.status,
    diskFull: last?.diskFull,
    canceled: false,
    attempts: made,
    message: `${url}: ${last?.message ?? 'failed'}${tries}`,
  });
}

interface FetchedBuffer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/**
 * A small document (InRelease, OCI manifest, token) into memory, with the same retries. Unlike
 * downloadToFile, 4xx answers are returned (the OCI token flow needs to read a 401's headers).
 */
export async function fetchBuffer(url: string, opts: DownloadOptions = {}): Promise<Result<FetchedBuffer, DownloadFailure>> {
  const attempts = opts.attempts ?? DEFAULT_ATTEMPTS;
  let lastMessage = 'failed';
  let lastStatus: number | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const res = await got(url, {
        headers: opts.headers,
        retry: { limit: 0 },
        throwHttpErrors: false,
        decompress: false,
        responseType: 'buffer',
        signal: opts.signal,
        timeout: { connect: CONNECT_TIMEOUT_MS, socket: IDLE_TIMEOUT_MS },
      });
      lastStatus = res.statusCode;
      if (!RETRY_STATUS.has(res.statusCode)) {
        return ok({ status: res.statusCode, headers: res.headers, body: res.body });
      }
      lastMessage = `HTTP ${res.statusCode}`;
    } catch (e) {
      if (opts.signal?.aborted) return err({ url, canceled: true, attempts: attempt, message: `${url}: canceled` });
      lastMessage = describe(e);
    }
    if (attempt === attempts) break;
    opts.onRetry?.(attempt, lastMessage);
    try {
      await sleep((opts.backoffMs ?? DEFAULT_BACKOFF_MS) * 2 ** (attempt - 1), undefined, { signal: opts.signal });
    } catch {
      return err({ url, canceled: true, attempts: attempt, message: `${url}: canceled` });
    }
  }
  return err({ url, status: lastStatus, canceled: false, attempts, message: `${url}: ${lastMessage} after ${attempts} attempts` });
}
