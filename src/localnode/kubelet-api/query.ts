/**
 * Parsing of the kubelet's `GET /containerLogs/{namespace}/{pod}/{container}` request, as the kubelet decodes
 * and validates it (v1.PodLogOptions; pkg/kubelet/server getContainerLogs). Pure.
 */

export interface LogQuery {
  namespace: string;
  pod: string;
  container: string;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines?: number;
  /** The earliest time (epoch ms) of lines to return, from sinceSeconds (relative to `now`) or sinceTime. */
  since?: number;
  limitBytes?: number;
  /** Which stream: both (`All`, the default), `Stdout` or `Stderr` (PodLogOptions.stream). */
  stream: 'All' | 'Stdout' | 'Stderr';
}

/** A request the kubelet refuses: HTTP status and the text it answers with. */
export interface LogQueryError {
  status: number;
  message: string;
}

const PATH = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)\/?$/;

/** Go's strconv.ParseBool, which the parameter codec uses. */
function parseBool(value: string): boolean | undefined {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(value)) return false;
  return undefined;
}

function parseInteger(value: string): number | undefined {
  return /^[+-]?\d+$/.test(value) ? Number(value) : undefined;
}

/** RFC 3339 (metav1.Time): a date-time with a zone. */
function parseTime(value: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * Parses the path and query of a container log request. `now` (epoch ms) anchors sinceSeconds. Undecodable
 * parameters answer 400 and invalid combinations 422, with the kubelet's own messages.
 */
export function parseLogQuery(url: string, now: number): LogQuery | LogQueryError {
  const parsed = new URL(url, 'https://kubelet');
  const match = PATH.exec(parsed.pathname);
  if (!match) return { status: 404, message: '404 page not found' };
  let segments: string[];
  try {
    segments = match.slice(1, 4).map((s) => decodeURIComponent(s));
  } catch {
    return { status: 400, message: '{"message": "Unable to decode query."}' };
  }
  const [namespace = '', pod = '', container = ''] = segments;
  const params = parsed.searchParams;
  const tail = params.get('tail');
  if (tail !== null && tail !== '' && !params.has('tailLines')) {
    if (tail !== 'all') params.set('tailLines', tail);
  }
  const undecodable = { status: 400, message: '{"message": "Unable to decode query."}' };
  const invalid = { status: 422, message: '{"message": "Invalid request."}' };
  const query: LogQuery = { namespace, pod, container, follow: false, previous: false, timestamps: false, stream: 'All' };
  for (const key of ['follow', 'previous', 'timestamps'] as const) {
    const value = params.get(key);
    if (value === null || value === '') continue;
    const flag = parseBool(value);
    if (flag === undefined) return undecodable;
    query[key] = flag;
  }
  const integers: Partial<Record<'tailLines' | 'sinceSeconds' | 'limitBytes', number>> = {};
  for (const key of ['tailLines', 'sinceSeconds', 'limitBytes'] as const) {
    const value = params.get(key);
    if (value === null || value === '') continue;
    const number = parseInteger(value);
    if (number === undefined) return undecodable;
    integers[key] = number;
  }
  const sinceTimeText = params.get('sinceTime');
  const sinceTime = sinceTimeText ? parseTime(sinceTimeText) : undefined;
  if (sinceTimeText && sinceTime === undefined) return undecodable;
  const stream = params.get('stream');
  if (stream !== null && stream !== '') {
    if (stream !== 'All' && stream !== 'Stdout' && stream !== 'Stderr') return invalid;
    query.stream = stream;
  }
  // ValidatePodLogOptions
  if (integers.tailLines !== undefined && integers.tailLines < 0) return invalid;
  if (integers.limitBytes !== undefined && integers.limitBytes < 1) return invalid;
  if (integers.sinceSeconds !== undefined && integers.sinceSeconds < 1) return invalid;
  if (integers.sinceSeconds !== undefined && sinceTime !== undefined) return invalid;
  if (query.stream !== 'All' && integers.tailLines !== undefined) return invalid;
  if (integers.tailLines !== undefined) query.tailLines = integers.tailLines;
  if (integers.limitBytes !== undefined) query.limitBytes = integers.limitBytes;
  if (integers.sinceSeconds !== undefined) query.since = now - integers.sinceSeconds * 1000;
  if (sinceTime !== undefined) query.since = sinceTime;
  return query;
}

export function isQueryError(value: LogQuery | LogQueryError): value is LogQueryError {
  return 'status' in value;
}
