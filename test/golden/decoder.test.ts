// Decoder outputs against the golden file (regenerate with test/golden/update-decoder-golden.ts and review the diff).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { GOLDEN_FILE, decoderGoldenOutputs } from './update-decoder-golden.ts';

test('decoder outputs match the golden file', () => {
  const want = JSON.parse(readFileSync(GOLDEN_FILE, 'utf8')) as Record<string, unknown>;
  const got = decoderGoldenOutputs();
  assert.deepEqual(Object.keys(got), Object.keys(want), 'the golden cases changed: run the update script');
  for (const k of Object.keys(want)) assert.deepEqual(got[k], want[k], `case "${k}" (regenerate with node --import tsx test/golden/update-decoder-golden.ts if intended)`);
});
