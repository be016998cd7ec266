/**
 * Name rules the URI validation applies before anything is sent: what S3 would refuse as a bucket name, what
 * Kubernetes would refuse as a PersistentVolumeClaim name. Pure.
 */

const BUCKET_CHARS = /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const BUCKET_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];
const BUCKET_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'];

/**
 * Why S3 would refuse `name` as a general-purpose bucket name (the AWS naming rules, which S3-compatible stores
 * follow), or undefined when it is valid.
 */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return 'a bucket name has 3 to 63 characters';
  if (!BUCKET_CHARS.test(name)) return 'a bucket name has only lowercase letters, digits, "." and "-", and starts and ends with a letter or digit';
  if (name.includes('..')) return 'a bucket name has no two adjacent periods';
  if (IPV4.test(name)) return 'a bucket name is not formatted as an IP address';
  const prefix = BUCKET_PREFIXES.find((p) => name.startsWith(p));
  if (prefix) return `a bucket name does not start with "${prefix}"`;
  const suffix = BUCKET_SUFFIXES.find((s) => name.endsWith(s));
  if (suffix) return `a bucket name does not end with "${suffix}"`;
  return undefined;
}

const DNS_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS_SUBDOMAIN = new RegExp(`^${DNS_LABEL}(\\.${DNS_LABEL})*$`);

/** Why Kubernetes would refuse `name` as a PersistentVolumeClaim name (RFC 1123 subdomain), or undefined. */
export function claimNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'the claim name is empty';
  if (name.length > 253) return 'a claim name has at most 253 characters';
  if (!DNS_SUBDOMAIN.test(name)) return 'a claim name has only lowercase letters, digits, "-" and ".", and starts and ends with a letter or digit';
  return undefined;
}
