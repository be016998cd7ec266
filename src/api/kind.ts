/** What the generator needs to know about a kind, beyond its spec and status schemas. */
import type { TObject } from '@sinclair/typebox';
import type { CelRule } from './schema.js';

export const GROUP = 'cairn.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const CATEGORY = 'cairn';

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description: string;
  priority?: number;
}

export interface KindDefinition {
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  /** Shown by `kubectl explain <kind>`. */
  description: string;
  spec: TObject;
  status: TObject;
  printerColumns: PrinterColumn[];
  /** Rules on the whole object (e.g. immutability that needs oldSelf). */
  rules?: CelRule[];
}

export const readyColumn: PrinterColumn = {
  name: 'Ready',
  type: 'string',
  jsonPath: '.status.conditions[?(@.type=="Ready")].status',
  description: 'Status of the Ready condition.',
};

export const statusColumn: PrinterColumn = {
  name: 'Status',
  type: 'string',
  jsonPath: '.status.conditions[?(@.type=="Ready")].message',
  description: 'Message of the Ready condition.',
  priority: 1,
};

export const ageColumn: PrinterColumn = {
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
  description: 'Time since creation.',
};

/** A custom resource as read from the API server or from Git. */
export interface Resource<Spec, Status> {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    generation?: number;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    creationTimestamp?: string;
    deletionTimestamp?: string;
  };
  spec: Spec;
  status?: Status;
}
