/**
 * Storage settings of a pod, from its environment (docs/contracts.md §1, "Storage credentials"). The controller
 * fills these variables from the Secret a resource names, so credentials never appear in a pod's arguments.
 */
import type { StorageConfig } from './storage.js';

function flag(value: string | undefined): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  return /^(1|true|yes|on)$/i.test(value);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** The http and s3 settings named by the environment (unset variables stay unset). */
export function storageSettingsFromEnv(env: NodeJS.ProcessEnv): Pick<StorageConfig, 'http' | 's3' | 'pvcRoot'> {
  const endpoint = nonEmpty(env.CAIRN_S3_ENDPOINT) ?? nonEmpty(env.AWS_ENDPOINT_URL_S3) ?? nonEmpty(env.AWS_ENDPOINT_URL);
  const s3: NonNullable<StorageConfig['s3']> = {
    endpoint,
    region: nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION),
    // A custom endpoint is usually an S3-compatible store, which wants path-style addressing.
    forcePathStyle: flag(env.CAIRN_S3_PATH_STYLE) ?? endpoint !== undefined,
    accessKeyId: nonEmpty(env.AWS_ACCESS_KEY_ID),
    secretAccessKey: nonEmpty(env.AWS_SECRET_ACCESS_KEY),
    sessionToken: nonEmpty(env.AWS_SESSION_TOKEN),
  };
  const http: NonNullable<StorageConfig['http']> = {
    bearerToken: nonEmpty(env.CAIRN_HTTP_BEARER_TOKEN),
    username: nonEmpty(env.CAIRN_HTTP_USERNAME),
    password: nonEmpty(env.CAIRN_HTTP_PASSWORD),
  };
  return { s3, http, pvcRoot: nonEmpty(env.CAIRN_PVC_ROOT) };
}
