// Test helper for assert.throws: the error is a GraphError with the given code and details (never message text).

import assert from 'node:assert/strict';
import { GraphError, type GraphErrorCode } from '../../decoder/graph/errors.ts';

/**
 * A validation function for `assert.throws` / `assert.rejects`: asserts that the error is a GraphError with code
 * `c` and, for each key of `details`, a deep-equal `details[key]`; the failure names the key that differs.
 */
export function graphErrorCode(c: GraphErrorCode, details: Record<string, unknown> = {}): (e: unknown) => true {
  return (e: unknown) => {
    assert.ok(e instanceof GraphError, String(e));
    assert.equal(e.code, c, e.message);
    for (const [k, v] of Object.entries(details)) assert.deepEqual(e.details[k], v, k);
    return true;
  };
}
