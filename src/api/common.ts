/** Schema pieces shared by several kinds: conditions, references, resources, URIs. */
import { int, list, map, num, obj, oneOf, optional, patterns, quantity, str } from './schema.js';

/** metav1.Condition, as every Kubernetes API writes it (kstatus-compatible). */
export const Condition = obj(
  {
    type: str('Type of the condition, in CamelCase: Ready, Reconciling, Stalled or a kind-specific type.', {
      pattern: '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
      maxLength: 316,
    }),
    status: oneOf(['True', 'False', 'Unknown'] as const, 'Status of the condition: True, False or Unknown.'),
    observedGeneration: optional(int('The metadata.generation the condition was computed from.', { minimum: 0, format: 'int64' })),
    lastTransitionTime: str('When the condition last changed status (RFC 3339).', { format: 'date-time' }),
    reason: str('A CamelCase reason for the last transition; Events use the same reason.', {
      pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
      minLength: 1,
      maxLength: 1024,
    }),
    message: str('A human readable message about the transition; never contains credentials.', { maxLength: 32768 }),
  },
  'A condition of the resource (metav1.Condition).',
);

export const Conditions = list(Condition, 'The current state of the resource as conditions; Ready is always present once reconciled.', {
  maxItems: 16,
  mapKeys: ['type'],
});

export const ObservedGeneration = int('The metadata.generation the controller last acted on.', { minimum: 0, format: 'int64' });

export const LocalObjectReference = (what: string) =>
  obj({ name: str(`Name of the ${what} in the same namespace.`, { pattern: patterns.dnsSubdomain, minLength: 1, maxLength: 253 }) }, `Reference to a ${what} in the same namespace.`);

export const ResourceRequirements = obj(
  {
    requests: optional(map(quantity('A quantity, e.g. 500m or 1Gi.'), 'Minimum resources, by name (cpu, memory, ...).', { maxProperties: 16 })),
    limits: optional(map(quantity('A quantity, e.g. 2 or 4Gi.'), 'Maximum resources, by name (cpu, memory, ...).', { maxProperties: 16 })),
  },
  'Compute resources of the container, as in a Pod spec.',
);

export const EnvVar = obj(
  {
    name: str('Name of the environment variable.', { pattern: patterns.envName, maxLength: 256 }),
    value: str('Value of the environment variable.', { maxLength: 32768 }),
  },
  'An environment variable with a literal value.',
);

/** Data and artifact locations; file:// is refused by the operator unless started with its development flag. */
export const uriPattern = '^(https?|s3|pvc|file)://[^\\s]+$';

export const Sha256 = (what: string) => str(`Expected SHA-256 of the ${what}, 64 lowercase hex digits.`, { pattern: patterns.sha256 });

export const MetricName = (description: string) => str(description, { pattern: patterns.identifier, maxLength: 128 });

export const MetricValues = map(num('A metric value.'), 'Metrics by name.', { maxProperties: 64 });
