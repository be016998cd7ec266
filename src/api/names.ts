/**
 * The name rules of k8s.io/apimachinery/pkg/util/validation that ObjectMeta validation uses, with the API
 * server's messages (kube-apiserver 1.35 wording, checked against a server-side dry run). Each check returns
 * the messages of every rule the value breaks, in the order the API server lists them; none when it is valid.
 * Lengths are in bytes (UTF-8), as Go's len counts them.
 */

const qualifiedNameFmt = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const labelValueFmt = `(${qualifiedNameFmt})?`;
const dns1123LabelFmt = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const dns1123SubdomainFmt = `${dns1123LabelFmt}(\\.${dns1123LabelFmt})*`;

const qualifiedNameRegexp = new RegExp(`^${qualifiedNameFmt}$`);
const labelValueRegexp = new RegExp(`^${labelValueFmt}$`);
const dns1123SubdomainRegexp = new RegExp(`^${dns1123SubdomainFmt}$`);

const qualifiedNameMaxLength = 63;
const labelValueMaxLength = 63;
const dns1123SubdomainMaxLength = 253;

const byteLength = (value: string) => Buffer.byteLength(value, 'utf8');
const maxLenError = (length: number) => `must be no more than ${length} bytes`;
const emptyError = 'must be non-empty';
/** Go's RegexError: the message, the examples and the regex (the examples joined by `,  or ` as Go does). */
const regexError = (message: string, fmt: string, ...examples: string[]) =>
  `${message} (e.g. ${examples.map((e) => `'${e}'`).join(',  or ')}, regex used for validation is '${fmt}')`;

const qualifiedNameErrMsg = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const qualifiedNameRegexError = regexError(qualifiedNameErrMsg, qualifiedNameFmt, 'MyName', 'my.name', '123-abc');
const labelValueErrMsg = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const dns1123SubdomainErrMsg = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";

/** A lowercase RFC 1123 subdomain of at most 253 bytes (`example.com`). */
export function isDNS1123Subdomain(value: string): string[] {
  const errors: string[] = [];
  if (byteLength(value) > dns1123SubdomainMaxLength) errors.push(maxLenError(dns1123SubdomainMaxLength));
  if (!dns1123SubdomainRegexp.test(value)) errors.push(regexError(dns1123SubdomainErrMsg, dns1123SubdomainFmt, 'example.com'));
  return errors;
}

/** A qualified name: an optional DNS subdomain prefix and `/`, then a name of at most 63 bytes (`example.com/MyName`). */
export function isQualifiedName(value: string): string[] {
  const errors: string[] = [];
  const parts = value.split('/');
  if (parts.length > 2) {
    return [`a valid label key ${qualifiedNameRegexError} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`];
  }
  const name = parts.length === 2 ? (parts[1] as string) : value;
  if (parts.length === 2) {
    const prefix = parts[0] as string;
    if (prefix.length === 0) errors.push(`prefix part ${emptyError}`);
    else errors.push(...isDNS1123Subdomain(prefix).map((message) => `prefix part ${message}`));
  }
  if (name.length === 0) errors.push(`name part ${emptyError}`);
  else if (byteLength(name) > qualifiedNameMaxLength) errors.push(`name part ${maxLenError(qualifiedNameMaxLength)}`);
  if (!qualifiedNameRegexp.test(name)) errors.push(`name part ${qualifiedNameRegexError}`);
  return errors;
}

/** A label value: empty, or at most 63 bytes that start and end with an alphanumeric character. */
export function isValidLabelValue(value: string): string[] {
  const errors: string[] = [];
  if (byteLength(value) > labelValueMaxLength) errors.push(maxLenError(labelValueMaxLength));
  if (!labelValueRegexp.test(value)) errors.push(regexError(labelValueErrMsg, labelValueFmt, 'MyValue', 'my_value', '12345'));
  return errors;
}
