/** Routing table of the serving endpoints. */
import { describe, expect, it } from 'vitest';
import { HttpError } from '../../../src/serving/errors.js';
import { route } from '../../../src/serving/router.js';

describe('route', () => {
  it.each<[string, string, object]>([
    ['GET', '/v2/health/live', { kind: 'live' }],
    ['GET', '/v2/health/ready', { kind: 'ready' }],
    ['HEAD', '/v2/health/ready', { kind: 'ready' }],
    ['GET', '/v2', { kind: 'server-metadata' }],
    ['GET', '/metrics', { kind: 'metrics' }],
    ['GET', '/v2/models/driver', { kind: 'model-metadata', model: 'driver' }],
    ['GET', '/v2/models/driver/', { kind: 'model-metadata', model: 'driver' }],
    ['GET', '/v2/models/driver/versions/3', { kind: 'model-metadata', model: 'driver', version: '3' }],
    ['GET', '/v2/models/driver/ready', { kind: 'model-ready', model: 'driver' }],
    ['GET', '/v2/models/driver/versions/3/ready', { kind: 'model-ready', model: 'driver', version: '3' }],
    ['POST', '/v2/models/driver/infer', { kind: 'v2-infer', model: 'driver' }],
    ['POST', '/v2/models/driver/infer?trace=1', { kind: 'v2-infer', model: 'driver' }],
    ['POST', '/v2/models/driver/versions/3/infer', { kind: 'v2-infer', model: 'driver', version: '3' }],
    ['POST', '/v2/models/my%20model/infer', { kind: 'v2-infer', model: 'my model' }],
    ['GET', '/v1/models/driver', { kind: 'v1-status', model: 'driver' }],
    ['GET', '/v1/models/driver/versions/3', { kind: 'v1-status', model: 'driver', version: '3' }],
    ['POST', '/v1/models/driver:predict', { kind: 'v1-predict', model: 'driver' }],
    ['POST', '/v1/models/driver/versions/3:predict', { kind: 'v1-predict', model: 'driver', version: '3' }],
    ['GET', '/v2/models/driver/config', { kind: 'model-config', model: 'driver' }],
    ['GET', '/v2/models/driver/versions/3/config', { kind: 'model-config', model: 'driver', version: '3' }],
    ['GET', '/v2/models/driver/stats', { kind: 'model-stats', model: 'driver' }],
    ['GET', '/v2/models/driver/versions/3/stats', { kind: 'model-stats', model: 'driver', version: '3' }],
    ['GET', '/v2/models/stats', { kind: 'model-stats' }],
    ['POST', '/v2/repository/index', { kind: 'repository-index' }],
    ['GET', '/v1/models/driver/metadata', { kind: 'v1-metadata', model: 'driver' }],
    ['GET', '/v1/models/driver/versions/3/metadata', { kind: 'v1-metadata', model: 'driver', version: '3' }],
    ['GET', '/v1/models/metadata', { kind: 'v1-status', model: 'metadata' }],
  ])('%s %s', (method, url, want) => {
    expect(route(method, url)).toEqual(want);
  });

  it.each<[string, string, number, string]>([
    ['GET', '/', 404, 'path: no endpoint GET /'],
    ['GET', '/v2/models', 404, 'path: no endpoint GET /v2/models'],
    ['GET', '/v2/models/driver/versions', 404, 'path: no endpoint GET /v2/models/driver/versions'],
    ['POST', '/v2/models/driver/explain', 404, 'path: no endpoint POST /v2/models/driver/explain'],
    ['POST', '/v2/models/driver/versions/3/infer/x', 404, 'path: no endpoint POST /v2/models/driver/versions/3/infer/x'],
    ['POST', '/v1/models/driver:explain', 404, 'path: no endpoint POST /v1/models/driver:explain'],
    ['GET', '/v2/models/driver/infer', 405, 'method: /v2/models/driver/infer accepts POST, got GET'],
    ['DELETE', '/v2/models/driver', 405, 'method: /v2/models/driver accepts GET, got DELETE'],
    ['POST', '/v1/models/driver/metadata', 405, 'method: /v1/models/driver/metadata accepts GET, got POST'],
    ['GET', '/v2/repository/index', 405, 'method: /v2/repository/index accepts POST, got GET'],
    ['GET', '/v1/models/driver:predict', 405, 'method: /v1/models/driver:predict accepts POST, got GET'],
    ['POST', '/v2/models/%E0%A4%A/infer', 400, 'path: "%E0%A4%A" is not valid percent-encoding'],
  ])('%s %s -> %i', (method, url, status, message) => {
    expect(() => route(method, url)).toThrow(new HttpError(status, message));
  });

  it('checks the method of a path whose match it kept, and shares a frozen route', () => {
    const first = route('POST', '/v2/models/kept/infer');
    expect(route('POST', '/v2/models/kept/infer')).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(() => route('GET', '/v2/models/kept/infer')).toThrow(new HttpError(405, 'method: /v2/models/kept/infer accepts POST, got GET'));
    expect(route('POST', '/v2/models/kept/infer?a=1')).toBe(first);
  });

  it('answers alike past the paths it keeps', () => {
    for (let i = 0; i < 200; i++) {
      expect(route('GET', `/v2/models/m${i}/versions/${i}`)).toEqual({ kind: 'model-metadata', model: `m${i}`, version: String(i) });
    }
    for (let i = 0; i < 200; i++) expect(route('POST', `/v2/models/m${i}/infer`)).toEqual({ kind: 'v2-infer', model: `m${i}` });
    expect(route('GET', '/v2/models/m0/versions/0')).toEqual({ kind: 'model-metadata', model: 'm0', version: '0' });
  });
});
