/** The profile engine behind `cairn profile` (docs/contracts.md §4). */
export type { Batch, ColumnChunk, ColumnRequest, DataSource } from './chunks.js';
export { profileJson, profileToConfigMapData, CONFIGMAP_MAX_BYTES, METADATA_MARGIN_BYTES, PROFILE_KEY } from './configmap.js';
export { csvSource, type OpenBytes, type TextReaderOptions } from './csv.js';
export { DEFAULT_LIMITS, profileSource, type EngineLimits, type ProfileOutcome, type ProfileTarget } from './engine.js';
export { ProfileError, type ProfileReason } from './errors.js';
export { jsonlSource } from './jsonl.js';
export { openSource, type DataFormat } from './open.js';
export { parquetSource, type ParquetOptions } from './parquet.js';
export { profileSpecOf } from './spec.js';
export type { ColumnSpec, DatasetProfile, ProfileSpec, ValidationFigures } from './types.js';
