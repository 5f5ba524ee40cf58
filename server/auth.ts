// API-key authentication: a Bearer header, or (WebSocket only) a `token` query parameter, checked in constant time.

import { createHash, timingSafeEqual } from 'node:crypto';
import { ServerError } from './errors.ts';

/** Checks presented keys against the configured ones. With no keys configured everything is allowed. */
export class ApiKeyAuth {
  private readonly digests: Buffer[];

  /** `keys`: the configured API keys (config.apiKeys); empty disables authentication. */
  constructor(keys: readonly string[]) {
    // Comparing fixed-length digests keeps the comparison constant-time whatever the key lengths.
    this.digests = keys.map((k) => createHash('sha256').update(k).digest());
  }

  get enabled(): boolean {
    return this.digests.length > 0;
  }

  /** True when `key` is one of the configured keys (or when authentication is off). Cost: one SHA-256 per key. */
  accepts(key: string | undefined): boolean {
    if (!this.enabled) return true;
    if (key === undefined || key === '') return false;
    const d = createHash('sha256').update(key).digest();
    let ok = false;
    for (const k of this.digests) ok = timingSafeEqual(k, d) || ok;
    return ok;
  }

  /**
   * Checks a request. `authorization` is the Authorization header; `token` the `token` query parameter, which
   * only WebSocket upgrades pass (browsers cannot set headers on a WebSocket). Throws UNAUTHORIZED.
   */
  check(authorization: string | undefined, token?: string | null): void {
    if (!this.enabled) return;
    const m = authorization === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    const key = m !== null ? m[1] : (token ?? undefined);
    if (!this.accepts(key)) {
      throw new ServerError(
        'UNAUTHORIZED',
        key === undefined ? 'an API key is required: Authorization: Bearer KEY' : 'the API key is not valid',
      );
    }
  }
}
