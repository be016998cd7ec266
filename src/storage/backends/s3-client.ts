/**
 * The S3 client for one store: endpoint, region, path-style addressing and a key pair, all given by the caller
 * (the controller reads them from a Secret; pods from their environment). Checksums are left to Cairn's own
 * sha256, so the SDK adds no CRC32 of its own to requests or answers.
 */
import { S3Client } from '@aws-sdk/client-s3';

export interface S3Settings {
  /** e.g. http://127.0.0.1:7070 or https://s3.eu-west-1.amazonaws.com; AWS's endpoint for the region when unset. */
  endpoint?: string;
  /** Default us-east-1 (most S3-compatible stores accept any region). */
  region?: string;
  /** Path-style addressing (`endpoint/bucket/key`), which most S3-compatible stores need. */
  forcePathStyle?: boolean;
  /** The key pair; when unset, the SDK's default chain (environment, web identity, instance role). */
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  /** Milliseconds to establish a connection (default 10 s). */
  connectTimeoutMs?: number;
  /** Milliseconds without a byte before a request is abandoned (default 60 s). */
  idleTimeoutMs?: number;
  /** Attempts per request, retries included (default 3). A stream that broke mid-body is never retried. */
  maxAttempts?: number;
}

export function makeS3Client(settings: S3Settings): S3Client {
  // The SDK warns on stderr, once per process, that later releases will need Node 22. Cairn pins a release that
  // runs on Node 20 (package.json), and `cairn fetch` promises a one-line error on stderr: keep it quiet.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return new S3Client({
    region: settings.region ?? 'us-east-1',
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    forcePathStyle: settings.forcePathStyle ?? false,
    ...(settings.accessKeyId !== undefined && settings.secretAccessKey !== undefined
      ? { credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey, ...(settings.sessionToken ? { sessionToken: settings.sessionToken } : {}) } }
      : {}),
    maxAttempts: settings.maxAttempts ?? 3,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: { connectionTimeout: settings.connectTimeoutMs ?? 10_000, socketTimeout: settings.idleTimeoutMs ?? 60_000 },
  });
}

/** The endpoint for messages: its host, or AWS for the default. */
export function endpointName(settings: S3Settings): string {
  if (!settings.endpoint) return `the S3 endpoint of ${settings.region ?? 'us-east-1'}`;
  try {
    return new URL(settings.endpoint).host;
  } catch {
    return 'the S3 endpoint';
  }
}
