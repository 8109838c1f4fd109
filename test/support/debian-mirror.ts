// A local Debian archive for tests: test/fixtures/debian/signed/<variant>/ served over node:http at
// /<variant>/ (deb.debian.org is the only archive reachable here, and it cannot serve a crafted index).
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export const SIGNED_FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'debian', 'signed');
/** The public half of the throwaway key that signed the fixtures (see make-fixtures.sh there). */
export const TEST_KEYRING = path.join(SIGNED_FIXTURES, 'keyring.gpg');
export type MirrorVariant = 'valid' | 'expired' | 'wrong-codename' | 'tampered';

export interface TestMirror {
  /** Mirror root of one variant: `${url('valid')}/dists/bookworm/InRelease`. */
  url(variant: MirrorVariant): string;
  /** Paths asked for, in order. */
  requests: string[];
  close(): Promise<void>;
}

export async function startTestMirror(): Promise<TestMirror> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    requests.push(url);
    const file = path.join(SIGNED_FIXTURES, path.normalize(decodeURIComponent(url)).replace(/^(\.\.[/\\])+/, ''));
    readFile(file).then(
      (body) => res.end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: (variant) => `${base}/${variant}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
