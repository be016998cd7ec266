/**
 * Storage URIs, validated before anything is opened. Pure: no I/O, no environment.
 *
 *   file:///abs/path          only when the caller allows file URLs (the operator's --allow-file-urls)
 *   pvc://<claim>/<path>      a file in a PersistentVolumeClaim, mounted under a root the caller gives
 *   https://host/path?query   read-only; http:// only for loopback hosts (tests)
 *   s3://<bucket>/<key>       any S3-compatible store
 *
 * Paths and keys are refused when a segment is `.` or `..` (also percent-encoded) or empty (`a//b`, a leading
 * `/` after the claim or bucket): such a URI could leave the claim, the folder or the prefix it names. s3 and
 * pvc paths are taken literally, as `aws s3` does; file URLs are percent-decoded, as file URLs are.
 */
import { StorageError } from './errors.js';
import { bucketNameProblem, claimNameProblem } from './names.js';

export type StorageUri =
  | { scheme: 'file'; path: string }
  | { scheme: 'pvc'; claim: string; path: string }
  | { scheme: 'https' | 'http'; url: URL }
  | { scheme: 's3'; bucket: string; key: string };

export type StorageScheme = StorageUri['scheme'];

export interface UriPolicy {
  /** Accept file:// URIs (the operator's --allow-file-urls; development only). */
  allowFileUrls: boolean;
}

export interface ParseOptions {
  /**
   * The URI names a prefix (to list, or the base of an upload) rather than one object: the path or key may be
   * empty or end with `/`.
   */
  prefix?: boolean;
}

const MAX_URI = 4096;
const MAX_KEY_BYTES = 1024;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;

/** A URI for messages: http(s) without user info, query or fragment (presigned URLs carry credentials there). */
export function displayUri(uri: string): string {
  let shown = uri;
  if (/^https?:/i.test(uri)) {
    try {
      const url = new URL(uri);
      shown = `${url.protocol}//${url.host}${url.pathname}`;
    } catch {
      shown = uri.replace(/\/\/[^/@]*@/, '//').replace(/[?#].*$/, '');
    }
  }
  return shown.length > 300 ? `${shown.slice(0, 300)}...` : shown;
}

function refuse(uri: string, why: string): never {
  throw new StorageError('InvalidUri', `Refused storage URI "${displayUri(uri)}": ${why}`);
}

function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Checks the segments of a relative path (no leading `/`); returns it unchanged. */
function checkPath(uri: string, path: string, what: string, options: ParseOptions): string {
  if (path === '') {
    if (!options.prefix) refuse(uri, `it names no ${what}`);
    return path;
  }
  const segments = path.split('/');
  if (segments.at(-1) === '') {
    if (!options.prefix) refuse(uri, `the ${what} ends with "/" (that names a folder, not an object)`);
    segments.pop();
  }
  for (const segment of segments) {
    if (segment === '') refuse(uri, `the ${what} has an empty segment ("//" or a leading "/")`);
    const plain = decoded(segment);
    if (plain === '.' || plain === '..') refuse(uri, `the ${what} has a "${plain}" segment`);
  }
  return path;
}

function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

function parseFile(uri: string, rest: string, policy: UriPolicy, options: ParseOptions): StorageUri {
  if (!policy.allowFileUrls) refuse(uri, 'file:// URIs read the local disk; they are accepted only with --allow-file-urls (development only)');
  const local = rest.startsWith('localhost/') ? rest.slice('localhost'.length) : rest;
  if (!local.startsWith('/')) refuse(uri, 'a file URI is file:///absolute/path');
  if (/[?#]/.test(local)) refuse(uri, 'a file URI has no query or fragment');
  checkPath(uri, local.slice(1), 'path', options);
  let path: string;
  try {
    path = decodeURIComponent(local);
  } catch {
    refuse(uri, 'it has a malformed percent-encoding');
  }
  if (path.includes('\0')) refuse(uri, 'the path contains a NUL byte');
  return { scheme: 'file', path };
}

function parsePvc(uri: string, rest: string, options: ParseOptions): StorageUri {
  const slash = rest.indexOf('/');
  const claim = slash < 0 ? rest : rest.slice(0, slash);
  const problem = claimNameProblem(claim);
  if (problem) refuse(uri, problem);
  const path = slash < 0 ? '' : rest.slice(slash + 1);
  return { scheme: 'pvc', claim, path: checkPath(uri, path, 'path', options) };
}

function parseS3(uri: string, rest: string, options: ParseOptions): StorageUri {
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  if (bucket === '') refuse(uri, 'the bucket name is empty');
  const problem = bucketNameProblem(bucket);
  if (problem) refuse(uri, problem);
  const key = slash < 0 ? '' : rest.slice(slash + 1);
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) refuse(uri, `an S3 key has at most ${MAX_KEY_BYTES} bytes`);
  return { scheme: 's3', bucket, key: checkPath(uri, key, 'key', options) };
}

function parseHttp(uri: string): StorageUri {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    refuse(uri, 'it is not a valid URL');
  }
  if (url.username || url.password) refuse(uri, 'credentials belong in a Secret, not in the URL');
  if (!url.hostname) refuse(uri, 'it names no host');
  const scheme = url.protocol === 'https:' ? 'https' : 'http';
  if (scheme === 'http' && !isLoopbackHost(url.hostname)) refuse(uri, 'plain http:// is accepted only for loopback hosts (tests); use https://');
  url.hash = '';
  return { scheme, url };
}

/**
 * Parses and validates a storage URI; throws a StorageError with reason InvalidUri saying why it was refused.
 */
export function parseStorageUri(input: unknown, policy: UriPolicy, options: ParseOptions = {}): StorageUri {
  if (typeof input !== 'string' || input.length === 0) throw new StorageError('InvalidUri', 'The storage URI is empty');
  const uri = input;
  if (uri.length > MAX_URI) refuse(uri, `longer than ${MAX_URI} characters`);
  if (CONTROL.test(uri)) refuse(uri, 'it contains control characters');
  const scheme = SCHEME.exec(uri)?.[1]?.toLowerCase();
  if (scheme === undefined) refuse(uri, 'it has no scheme (expected s3://, https://, pvc:// or file://)');
  const rest = uri.slice(scheme.length + 3);
  switch (scheme) {
    case 'file':
      return parseFile(uri, rest, policy, options);
    case 'pvc':
      return parsePvc(uri, rest, options);
    case 's3':
      return parseS3(uri, rest, options);
    case 'https':
    case 'http':
      return parseHttp(uri);
    default:
      refuse(uri, `the scheme "${scheme}" is not supported (use s3://, https://, pvc:// or file://)`);
  }
}

/** The URI of a parsed storage URI, in its canonical form (the inverse of parseStorageUri). */
export function formatStorageUri(uri: StorageUri): string {
  switch (uri.scheme) {
    case 'file':
      return `file://${uri.path.split('/').map(encodeURIComponent).join('/')}`;
    case 'pvc':
      return `pvc://${uri.claim}/${uri.path}`;
    case 's3':
      return `s3://${uri.bucket}/${uri.key}`;
    default:
      return uri.url.href;
  }
}

/**
 * The URI of `relative` (a `/`-separated path, e.g. from a folder walk) under the prefix `base`. The result is
 * validated like any URI.
 */
export function childUri(base: StorageUri, relative: string, policy: UriPolicy): StorageUri {
  const join = (prefix: string): string => (prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`) + relative;
  switch (base.scheme) {
    case 'file':
      return parseStorageUri(formatStorageUri({ scheme: 'file', path: join(base.path) }), policy);
    case 'pvc':
      return parseStorageUri(formatStorageUri({ ...base, path: join(base.path) }), policy);
    case 's3':
      return parseStorageUri(formatStorageUri({ ...base, key: join(base.key) }), policy);
    default:
      throw new StorageError('InvalidUri', `${displayUri(base.url.href)} is an https:// URI: those are read-only, so nothing is written under them`);
  }
}
