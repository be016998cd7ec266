/** GitSource: where the YAML lives. The GitSource controller applies the cairn.dev objects it finds. */
import type { Static } from '@sinclair/typebox';
import { Conditions, LocalObjectReference, ObservedGeneration } from '../common.js';
import { ageColumn, readyColumn, statusColumn, type KindDefinition, type Resource } from '../kind.js';
import { bool, duration, int, list, obj, optional, patterns, str } from '../schema.js';

export const GitRef = obj(
  {
    branch: optional(str('Branch to follow; the newest commit of the branch is applied.', { minLength: 1, maxLength: 255, pattern: '^[^\\s~^:?*\\[\\\\]+$' })),
    tag: optional(str('Tag to apply.', { minLength: 1, maxLength: 255, pattern: '^[^\\s~^:?*\\[\\\\]+$' })),
    commit: optional(str('Full commit SHA to apply (40 or 64 hex digits).', { pattern: patterns.gitCommit })),
  },
  'The Git reference to check out: exactly one of branch, tag or commit.',
  { rules: [{ rule: '[has(self.branch), has(self.tag), has(self.commit)].filter(x, x).size() == 1', message: 'exactly one of branch, tag or commit must be set' }] },
);

export const GitSourceSpec = obj(
  {
    url: str('Repository URL: https://, ssh://, git@host:path, or file:// (only when the operator runs with its development flag).', {
      pattern: '^(https://|http://|ssh://|file://|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:)[^\\s]+$',
      maxLength: 2048,
    }),
    ref: GitRef,
    path: optional(str('Directory inside the repository to read; it never leaves the repository root. Default: the root.', {
      maxLength: 1024,
      pattern: '^[^\\x00]*$',
      default: '.',
    })),
    interval: optional(duration('How often to poll the repository; a signed webhook triggers a sync at once. Default 1m.', { default: '1m' })),
    timeout: optional(duration('Time limit of one Git operation. Default 60s.', { default: '60s' })),
    secretRef: optional(LocalObjectReference('Secret with credentials: username/password or token for https; identity and known_hosts for ssh; webhook token')),
    prune: optional(bool('Delete the objects this source applied before that are no longer in Git. Default true.', { default: true })),
    allowEmpty: optional(bool('Allow a sync that finds no objects to prune everything this source applied. Default false.', { default: false })),
    suspend: optional(bool('Stop syncing; the last applied objects stay as they are. Default false.', { default: false })),
  },
  'Desired state of the GitSource.',
  { rules: [{ rule: '!has(self.path) || !(self.path.startsWith("/") || self.path == ".." || self.path.startsWith("../") || self.path.contains("/../") || self.path.endsWith("/.."))', message: 'path must be relative and stay inside the repository', fieldPath: '.path' }] },
);

export const InventoryEntry = obj(
  {
    kind: str('Kind of the applied object.', { maxLength: 63 }),
    namespace: optional(str('Namespace of the applied object.', { maxLength: 63 })),
    name: str('Name of the applied object.', { maxLength: 253 }),
  },
  'An object this source applied.',
);

export const SourceError = obj(
  {
    file: str('File, relative to spec.path.', { maxLength: 1024 }),
    line: optional(int('Line in the file (1-based).', { minimum: 0 })),
    message: str('What is wrong; never contains credentials.', { maxLength: 4096 }),
  },
  'A problem found in a file of the source.',
);

export const GitSourceStatus = obj(
  {
    observedGeneration: optional(ObservedGeneration),
    revision: optional(str('The revision last applied, as <branch|tag|HEAD>@sha1:<sha>.', { maxLength: 512 })),
    lastAttemptedRevision: optional(str('The revision of the last sync attempt, applied or not.', { maxLength: 512 })),
    inventory: optional(
      obj(
        {
          count: int('Number of objects applied by this source.', { minimum: 0 }),
          entries: list(InventoryEntry, 'The objects applied by this source.', { maxItems: 10000 }),
        },
        'The objects this source applied at the last revision; what pruning compares against.',
      ),
    ),
    errors: optional(list(SourceError, 'Problems found at the last attempted revision, with file and line.', { maxItems: 100 })),
    conditions: optional(Conditions),
  },
  'Observed state of the GitSource.',
);

export const gitSourceKind: KindDefinition = {
  kind: 'GitSource',
  plural: 'gitsources',
  singular: 'gitsource',
  shortNames: ['gitsrc'],
  description: 'GitSource syncs the cairn.dev objects committed under a path of a Git repository into the cluster, keeps them as committed and prunes what left Git.',
  spec: GitSourceSpec,
  status: GitSourceStatus,
  printerColumns: [
    { name: 'URL', type: 'string', jsonPath: '.spec.url', description: 'Repository URL.', priority: 1 },
    { name: 'Revision', type: 'string', jsonPath: '.status.revision', description: 'Last applied revision.' },
    { name: 'Objects', type: 'integer', jsonPath: '.status.inventory.count', description: 'Objects applied.' },
    readyColumn,
    statusColumn,
    ageColumn,
  ],
};

export type GitSourceSpec = Static<typeof GitSourceSpec>;
export type GitSourceStatus = Static<typeof GitSourceStatus>;
export type GitSource = Resource<GitSourceSpec, GitSourceStatus>;
