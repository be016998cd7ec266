import type { V1Container, V1Pod, V1ProjectedVolumeSource } from '@kubernetes/client-node';
import { chmod, lstat, mkdir, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeAtomically } from './atomic-writer.js';
import type { HostMountpoints } from './mountpoints.js';
import type { BindMount } from './namespace.js';
import { isWithin } from './paths.js';
import { downwardPayload, keyedPayload, VolumeSetupError, type Payload } from './payload.js';
import { containerMounts, MountConfigError, planVolumes, type VolumeSource } from './plan.js';
import type { IssuedToken, VolumeSources } from './sources.js';

/** The volume the ServiceAccount admission plugin adds to every pod that automounts its token. */
const SERVICE_ACCOUNT_VOLUME = /^kube-api-access-[a-z0-9]+$/;
/** The kubelet renews a projected token once 80 % of its lifetime has passed, or after 24 h. */
const TOKEN_RENEW_FRACTION = 0.8;
const TOKEN_RENEW_MAX_MS = 24 * 3600 * 1000;

export interface PodVolumesDeps {
  sources: VolumeSources;
  mountpoints: HostMountpoints;
  /** Whether the node can make private mount namespaces (root and util-linux); see canMakeMountNamespaces. */
  mounts: { ok: boolean; reason?: string };
  now?: () => number;
}

interface ReadyVolume {
  /** The directory (or file) on the machine that the volume's mounts bind. */
  path: string;
  /** Every mount of it is read-only (ConfigMap, Secret, downward API and projected volumes, read-only claims). */
  readOnly: boolean;
  /** The node may create a missing subPath in it. */
  writable: boolean;
}

/**
 * The volumes of one pod on the local node: sets them up under `<podDir>/volumes/` (or finds the
 * PersistentVolume or hostPath they stand for), keeps projected contents current, turns a container's
 * volumeMounts into bind mounts for its mount namespace, and removes everything at the end.
 */
export class PodVolumes {
  private readonly ready = new Map<string, ReadyVolume>();
  private readonly tokens = new Map<string, IssuedToken & { issuedAt: number }>();
  private readonly held = new Set<string>();
  private readonly now: () => number;

  constructor(
    private readonly podDir: string,
    private readonly deps: PodVolumesDeps,
  ) {
    this.now = deps.now ?? Date.now;
  }

  get root(): string {
    return join(this.podDir, 'volumes');
  }

  /**
   * Sets up every volume of the pod, or throws a VolumeSetupError naming the first that cannot be (FailedMount).
   * Called again while the pod runs, it rewrites projected contents that changed (ConfigMaps, Secrets, labels,
   * tokens due for renewal) atomically; claims, hostPaths and emptyDirs are set up once.
   */
  async setUp(pod: V1Pod): Promise<void> {
    const planned = planVolumes(pod);
    for (const volume of planned) {
      if ('unsupported' in volume) throw new VolumeSetupError(volume.name, volume.unsupported);
      if (!this.deps.mounts.ok) {
        if (SERVICE_ACCOUNT_VOLUME.test(volume.name)) continue; // the token reaches the process through KUBECONFIG
        throw new VolumeSetupError(volume.name, `the local node cannot mount volumes: ${this.deps.mounts.reason ?? 'no mount namespaces'}`);
      }
      await this.setUpVolume(pod, volume.name, volume.source);
    }
  }

  private async setUpVolume(pod: V1Pod, name: string, source: VolumeSource): Promise<void> {
    const ns = pod.metadata?.namespace ?? 'default';
    const dir = (plugin: string): string => join(this.root, plugin, name);
    const projectedTo = async (path: string, payload: Payload): Promise<void> => {
      await writeAtomically(path, payload);
      this.ready.set(name, { path, readOnly: true, writable: false });
    };
    switch (source.kind) {
      case 'emptyDir': {
        if (this.ready.has(name)) return;
        const path = dir('kubernetes.io~empty-dir');
        await mkdir(path, { recursive: true });
        await chmod(path, 0o777);
        this.ready.set(name, { path, readOnly: false, writable: true });
        return;
      }
      case 'configMap': {
        const s = source.source;
        const data = await this.deps.sources.configMap(ns, s.name ?? '');
        return projectedTo(dir('kubernetes.io~configmap'), keyedPayload(name, { what: 'configmap', name: s.name ?? '', items: s.items, defaultMode: s.defaultMode, optional: s.optional }, data));
      }
      case 'secret': {
        const s = source.source;
        const data = await this.deps.sources.secret(ns, s.secretName ?? '');
        return projectedTo(dir('kubernetes.io~secret'), keyedPayload(name, { what: 'secret', name: s.secretName ?? '', items: s.items, defaultMode: s.defaultMode, optional: s.optional }, data));
      }
      case 'downwardAPI':
        return projectedTo(dir('kubernetes.io~downward-api'), downwardPayload(name, pod, source.source.items ?? [], source.source.defaultMode));
      case 'projected':
        return projectedTo(dir('kubernetes.io~projected'), await this.projectedPayload(pod, name, source.source));
      case 'persistentVolumeClaim': {
        if (this.ready.has(name)) return;
        const path = await this.claimPath(ns, name, source.claimName);
        this.ready.set(name, { path, readOnly: source.readOnly, writable: true });
        return;
      }
      case 'hostPath': {
        if (this.ready.has(name)) return;
        await checkHostPath(name, source.path, source.type);
        this.ready.set(name, { path: source.path, readOnly: false, writable: true });
        return;
      }
    }
  }

  private async projectedPayload(pod: V1Pod, name: string, source: V1ProjectedVolumeSource): Promise<Payload> {
    const ns = pod.metadata?.namespace ?? 'default';
    const payload: Payload = new Map();
    const merge = (more: Payload): void => more.forEach((entry, path) => payload.set(path, entry));
    for (const [i, s] of (source.sources ?? []).entries()) {
      if (s.configMap) {
        const data = await this.deps.sources.configMap(ns, s.configMap.name ?? '');
        merge(keyedPayload(name, { what: 'configmap', name: s.configMap.name ?? '', items: s.configMap.items, defaultMode: source.defaultMode, optional: s.configMap.optional }, data));
      } else if (s.secret) {
        const data = await this.deps.sources.secret(ns, s.secret.name ?? '');
        merge(keyedPayload(name, { what: 'secret', name: s.secret.name ?? '', items: s.secret.items, defaultMode: source.defaultMode, optional: s.secret.optional }, data));
      } else if (s.downwardAPI) {
        merge(downwardPayload(name, pod, s.downwardAPI.items ?? [], source.defaultMode));
      } else if (s.serviceAccountToken) {
        const t = s.serviceAccountToken;
        const token = await this.token(pod, `${name}/${t.path}`, t.audience, t.expirationSeconds ?? 3600);
        merge(new Map([[t.path, { data: Buffer.from(token, 'utf8'), mode: (source.defaultMode ?? 0o644) & 0o777 }]]));
      } else {
        const type = Object.keys(s).find((key) => (s as Record<string, unknown>)[key] !== undefined) ?? 'unknown';
        throw new VolumeSetupError(name, `projected source ${i}: ${type} is not supported by the local node (it supports configMap, secret, downwardAPI, serviceAccountToken)`);
      }
    }
    return payload;
  }

  /** A token bound to the pod, reused until 80 % of its lifetime has passed. */
  private async token(pod: V1Pod, key: string, audience: string | undefined, expirationSeconds: number): Promise<string> {
    const now = this.now();
    const held = this.tokens.get(key);
    if (held && now < held.issuedAt + Math.min((held.expiresAt - held.issuedAt) * TOKEN_RENEW_FRACTION, TOKEN_RENEW_MAX_MS)) return held.token;
    const issued = await this.deps.sources.token(pod, audience, expirationSeconds);
    this.tokens.set(key, { ...issued, issuedAt: now });
    return issued.token;
  }

  /** The directory of the PersistentVolume bound to the claim (hostPath or local volumes only). */
  private async claimPath(namespace: string, volume: string, claimName: string): Promise<string> {
    const fail = (message: string): never => {
      throw new VolumeSetupError(volume, message);
    };
    const claim = await this.deps.sources.claim(namespace, claimName);
    if (!claim) return fail(`persistentvolumeclaim "${claimName}" not found`);
    const pvName = claim.spec?.volumeName;
    if (claim.status?.phase !== 'Bound' || !pvName) return fail(`persistentvolumeclaim "${claimName}" is not bound (phase ${claim.status?.phase ?? 'Pending'})`);
    const pv = await this.deps.sources.persistentVolume(pvName);
    if (!pv) return fail(`persistentvolume "${pvName}" of claim "${claimName}" not found`);
    if (pv.spec?.claimRef?.uid && pv.spec.claimRef.uid !== claim.metadata?.uid) return fail(`persistentvolume "${pvName}" is bound to another claim`);
    if (pv.spec?.hostPath) {
      await checkHostPath(volume, pv.spec.hostPath.path, pv.spec.hostPath.type ?? '');
      return pv.spec.hostPath.path;
    }
    if (pv.spec?.local) {
      await checkHostPath(volume, pv.spec.local.path, 'Directory');
      return pv.spec.local.path;
    }
    return fail(`persistentvolume "${pvName}" is neither hostPath nor local; the local node mounts only those`);
  }

  /**
   * The bind mounts of `container`, in order, with its host mountpoints held until tearDown. Throws
   * MountConfigError for a volumeMount that cannot work (bad subPath, a subPath leaving its volume, ...).
   */
  async binds(container: Pick<V1Container, 'name' | 'volumeMounts'>, env: Readonly<Record<string, string>>): Promise<BindMount[]> {
    if (!this.deps.mounts.ok) return [];
    const specs = containerMounts(container, new Set(this.ready.keys()), env);
    const binds: BindMount[] = [];
    for (const spec of specs) {
      const volume = this.ready.get(spec.volume);
      if (!volume) throw new MountConfigError(`volume "${spec.volume}" is not set up`);
      const source = spec.subPath === '' ? volume.path : await this.subPathSource(spec.volume, volume, spec.subPath);
      const info = await stat(source).catch((error: Error) => {
        throw new MountConfigError(`volume "${spec.volume}" is not available at ${source}: ${error.message}`);
      });
      const isDir = info.isDirectory();
      if (!spec.nested && !this.held.has(spec.mountPath)) {
        await this.deps.mountpoints.acquire(spec.mountPath, isDir ? 'dir' : 'file').catch((error: Error) => {
          throw new MountConfigError(error.message);
        });
        this.held.add(spec.mountPath);
      }
      binds.push({ source, target: spec.mountPath, readOnly: spec.readOnly || volume.readOnly });
    }
    return binds;
  }

  /** `volume/subPath` resolved on the machine; it must stay inside the volume, even through symlinks. */
  private async subPathSource(name: string, volume: ReadyVolume, subPath: string): Promise<string> {
    const base = await realpath(volume.path);
    const candidate = join(volume.path, subPath);
    const outside = (): MountConfigError => new MountConfigError(`subPath "${subPath}" of volume "${name}" leads outside the volume`);
    if (!(await exists(candidate))) {
      if (!volume.writable) throw new MountConfigError(`subPath "${subPath}" does not exist in volume "${name}"`);
      let ancestor = dirname(candidate);
      while (!(await exists(ancestor))) ancestor = dirname(ancestor);
      if (!isWithin(base, await realpath(ancestor))) throw outside();
      await mkdir(candidate, { recursive: true, mode: 0o755 });
    }
    const resolved = await realpath(candidate);
    if (!isWithin(base, resolved)) throw outside();
    return resolved;
  }

  /** Releases the mountpoints on the machine and removes the pod's volume directories (never PV or hostPath data). */
  async tearDown(): Promise<void> {
    for (const path of this.held) await this.deps.mountpoints.release(path);
    this.held.clear();
    this.ready.clear();
    this.tokens.clear();
    await rm(this.root, { recursive: true, force: true });
  }
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

/** The kubelet's hostPath type checks; `DirectoryOrCreate` and `FileOrCreate` create what is missing. */
async function checkHostPath(volume: string, path: string, type: string): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  const fail = (what: string): never => {
    throw new VolumeSetupError(volume, `hostPath type check failed: ${path} ${what}`);
  };
  switch (type) {
    case '':
    case 'DirectoryOrCreate':
      if (!info) await mkdir(path, { recursive: true, mode: 0o755 });
      else if (type === 'DirectoryOrCreate' && !info.isDirectory()) fail('is not a directory');
      return;
    case 'Directory':
      if (!info?.isDirectory()) fail('is not a directory');
      return;
    case 'FileOrCreate':
      if (!info) {
        await mkdir(dirname(path), { recursive: true, mode: 0o755 });
        await writeFile(path, '', { flag: 'a', mode: 0o644 });
      } else if (!info.isFile()) fail('is not a file');
      return;
    case 'File':
      if (!info?.isFile()) fail('is not a file');
      return;
    case 'Socket':
      if (!info?.isSocket()) fail('is not a socket');
      return;
    case 'CharDevice':
      if (!info?.isCharacterDevice()) fail('is not a character device');
      return;
    case 'BlockDevice':
      if (!info?.isBlockDevice()) fail('is not a block device');
      return;
    default:
      fail(`has an unknown hostPath type "${type}"`);
  }
}
