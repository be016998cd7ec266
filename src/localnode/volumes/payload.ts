import type { V1DownwardAPIVolumeFile, V1KeyToPath, V1Pod } from '@kubernetes/client-node';
import { fileMode, itemPathError, modeError } from './paths.js';

/**
 * The files of ConfigMap, Secret, downward API and projected volumes, computed as the kubelet does before its
 * AtomicWriter writes them: path -> bytes and mode. Pure; the caller fetches the objects.
 */
export interface FileEntry {
  data: Buffer;
  mode: number;
}

export type Payload = Map<string, FileEntry>;

/** A volume that cannot be set up yet or as written: the pod waits in ContainerCreating with a FailedMount Event. */
export class VolumeSetupError extends Error {
  constructor(
    readonly volume: string,
    message: string,
  ) {
    super(message);
  }
}

export interface KeyedSource {
  /** `configmap` or `secret`, as the kubelet names them in messages. */
  what: 'configmap' | 'secret';
  name: string;
  items?: V1KeyToPath[];
  defaultMode?: number;
  optional?: boolean;
}

/**
 * The files of a ConfigMap or Secret volume (or projection): every key when `items` is empty, else the listed
 * keys at their paths. A missing object or key is an error unless `optional`; then it is left out.
 */
export function keyedPayload(volume: string, source: KeyedSource, data: Readonly<Record<string, Buffer>> | undefined): Payload {
  const payload: Payload = new Map();
  const fail = (message: string): never => {
    throw new VolumeSetupError(volume, message);
  };
  const defaultModeError = modeError(source.defaultMode);
  if (defaultModeError) fail(`defaultMode: ${defaultModeError}`);
  if (data === undefined) {
    if (source.optional) return payload;
    return fail(`${source.what} "${source.name}" not found`);
  }
  const items = source.items ?? [];
  if (items.length === 0) {
    for (const [key, value] of Object.entries(data)) addFile(payload, volume, key, { data: value, mode: fileMode(undefined, source.defaultMode) });
    return payload;
  }
  for (const item of items) {
    const value = data[item.key];
    if (value === undefined) {
      if (source.optional) continue;
      fail(`${source.what} references non-existent ${source.what === 'configmap' ? 'config' : 'secret'} key: ${item.key}`);
    }
    const itemModeError = modeError(item.mode);
    if (itemModeError) fail(`item ${item.key}: ${itemModeError}`);
    addFile(payload, volume, item.path, { data: value as Buffer, mode: fileMode(item.mode, source.defaultMode) });
  }
  return payload;
}

/** Adds a file after checking its path (the API server checks too; the node does not trust it blindly). */
export function addFile(payload: Payload, volume: string, path: string, entry: FileEntry): void {
  const error = itemPathError(path);
  if (error) throw new VolumeSetupError(volume, `invalid path "${path}": ${error}`);
  payload.set(path, entry);
}

/** `key="value"` lines sorted by key, as the kubelet writes metadata.labels and metadata.annotations. */
export function formatMap(map: Readonly<Record<string, string>> | undefined): string {
  return Object.keys(map ?? {})
    .sort()
    .map((key) => `${key}=${JSON.stringify(map?.[key] ?? '')}`)
    .join('\n');
}

/** The value of a downward API volume item's fieldRef (the fields the API allows in volumes). */
export function downwardFieldValue(pod: V1Pod, fieldPath: string): string | undefined {
  const item = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (item) return (item[1] === 'labels' ? pod.metadata?.labels : pod.metadata?.annotations)?.[item[2] ?? ''] ?? '';
  switch (fieldPath) {
    case 'metadata.name':
      return pod.metadata?.name ?? '';
    case 'metadata.namespace':
      return pod.metadata?.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata?.uid ?? '';
    case 'metadata.labels':
      return formatMap(pod.metadata?.labels);
    case 'metadata.annotations':
      return formatMap(pod.metadata?.annotations);
    default:
      return undefined;
  }
}

/** The files of a downward API volume (or projection). resourceFieldRef is not supported on the local node. */
export function downwardPayload(volume: string, pod: V1Pod, items: readonly V1DownwardAPIVolumeFile[], defaultMode: number | undefined): Payload {
  const payload: Payload = new Map();
  for (const item of items) {
    const itemModeError = modeError(item.mode);
    if (itemModeError) throw new VolumeSetupError(volume, `item ${item.path}: ${itemModeError}`);
    if (item.resourceFieldRef) throw new VolumeSetupError(volume, `downward API item ${item.path}: resourceFieldRef is not supported by the local node (it sets no resource limits)`);
    const fieldPath = item.fieldRef?.fieldPath ?? '';
    const value = downwardFieldValue(pod, fieldPath);
    if (value === undefined) throw new VolumeSetupError(volume, `downward API item ${item.path}: fieldRef ${fieldPath} is not supported in volumes`);
    addFile(payload, volume, item.path, { data: Buffer.from(value, 'utf8'), mode: fileMode(item.mode, defaultMode) });
  }
  return payload;
}

/** True when two payloads hold the same paths, bytes and modes. */
export function samePayload(a: Payload, b: Payload): boolean {
  if (a.size !== b.size) return false;
  for (const [path, entry] of a) {
    const other = b.get(path);
    if (!other || other.mode !== entry.mode || !other.data.equals(entry.data)) return false;
  }
  return true;
}
