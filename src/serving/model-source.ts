/**
 * Fetching the model's bytes (file://, a mounted path, http(s)://) and verifying their sha256 before anything
 * parses them. URLs are shown without their query string: presigned URLs carry credentials there.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { fileURLToPath } from 'node:url';

export interface FetchOptions {
  /** Largest model accepted (bytes). */
  maxBytes: number;
  /** Milliseconds without data before a download is abandoned. */
  timeoutMs: number;
  /** Abandons a download (shutdown while loading). */
  signal?: AbortSignal;
}

const DEFAULTS: FetchOptions = { maxBytes: 4 * 1024 ** 3, timeoutMs: 300_000 };

/** A URI for logs and errors: scheme, host and path; never the query or user info. */
export function redactUri(uri: string): string {
  try {
    const url = new URL(uri);
    if (url.protocol === 'http:' || url.protocol === 'https:') return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return uri;
  }
  return uri;
}

/** Normalizes a --sha256 value (64 hex digits, optionally "sha256:"-prefixed); undefined when malformed. */
export function parseSha256(value: string): string | undefined {
  const hex = value.startsWith('sha256:') ? value.slice(7) : value;
  return /^[0-9a-fA-F]{64}$/.test(hex) ? hex.toLowerCase() : undefined;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Throws unless the bytes hash to `expected`, naming both digests. */
export function verifySha256(bytes: Uint8Array, expected: string, uri: string): void {
  const actual = sha256Hex(bytes);
  if (actual !== expected.toLowerCase()) {
    throw new Error(`sha256 mismatch for ${redactUri(uri)}: expected ${expected.toLowerCase()}, got ${actual}; refusing to serve it`);
  }
}

function download(url: URL, options: FetchOptions, redirects: number): Promise<Uint8Array> {
  const shown = redactUri(url.href);
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.get(url, { agent: false, timeout: options.timeoutMs, signal: options.signal }, (response) => {
      const status = response.statusCode ?? 0;
      if (status >= 300 && status < 400 && response.headers.location) {
        response.resume();
        if (redirects >= 5) return reject(new Error(`downloading ${shown}: too many redirects`));
        return resolve(download(new URL(response.headers.location, url), options, redirects + 1));
      }
      if (status !== 200) {
        response.resume();
        return reject(new Error(`downloading ${shown}: HTTP ${status}`));
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > options.maxBytes) {
          request.destroy(new Error(`downloading ${shown}: larger than ${options.maxBytes} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      response.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`downloading ${shown}: timed out after ${options.timeoutMs} ms`)));
    request.on('error', (err) => reject(err.message.startsWith('downloading') ? err : new Error(`downloading ${shown}: ${err.message}`)));
  });
}

/** Reads the model's bytes from file://, a plain path, or http(s)://. */
export async function fetchModel(uri: string, options: Partial<FetchOptions> = {}): Promise<Uint8Array> {
  const opts = { ...DEFAULTS, ...options };
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(uri)?.[1]?.toLowerCase();
  if (scheme === 'http' || scheme === 'https') return download(new URL(uri), opts, 0);
  if (scheme !== undefined && scheme !== 'file') throw new Error(`model URI scheme "${scheme}://" is not supported (use file://, a path, or http(s)://)`);
  const path = scheme === 'file' ? fileURLToPath(uri) : uri;
  try {
    return new Uint8Array(await readFile(path));
  } catch (err) {
    throw new Error(`reading model ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
}
