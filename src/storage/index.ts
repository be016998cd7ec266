/**
 * Storage for data and models: file://, pvc://, https:// and s3:// behind one interface, with every byte
 * hashed (sha256) and limited, and atomic writes. Used by `cairn fetch` and `cairn upload`, which run in pods.
 */
export { fetchVerified, type FetchVerifiedOptions, type FetchVerifiedResult } from './fetch-verified.js';
export { DigestStream, parseSha256 } from './digest.js';
export { storageSettingsFromEnv } from './env.js';
export { ChecksumMismatchError, describeError, isStorageError, StorageError, STORAGE_ERROR_REASONS, type StorageErrorReason } from './errors.js';
export { createStorage, DEFAULT_MAX_BYTES, DEFAULT_PVC_ROOT, type StorageConfig } from './storage.js';
export type { ObjectInfo, ObjectStream, ReadOptions, Storage, WriteOptions, WriteResult } from './types.js';
export { childUri, displayUri, formatStorageUri, parseStorageUri, type ParseOptions, type StorageUri, type UriPolicy } from './uri.js';
export { bucketNameProblem, claimNameProblem } from './names.js';
export { isTempFile, writeFileAtomic } from './atomic-file.js';
