// Engine config and session options: defaults, unknown keys, bad values, and the wire form.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AudioError } from '../../../audio/errors.ts';
import {
  autoDecodeWorkers,
  DEFAULT_ENGINE_CONFIG,
  DEFAULT_MODEL_DIR,
  resolveEngineConfig,
  resolveSessionOptions,
  sessionOptionsFromWire,
} from '../../../engine/config.ts';
import { EngineError } from '../../../engine/errors.ts';

const code = (c: string) => (e: unknown) => (e instanceof EngineError || e instanceof AudioError) && e.code === c;

test('the engine config fills documented defaults and is frozen', () => {
  const c = resolveEngineConfig();
  assert.equal(c.modelDir, DEFAULT_MODEL_DIR);
  assert.equal(c.defaultGrammar, 'en');
  assert.equal(c.batchMaxWaitMs, DEFAULT_ENGINE_CONFIG.batchMaxWaitMs);
  assert.ok(Object.isFrozen(c));
  assert.equal(resolveEngineConfig({ batchMaxWaitMs: 0, maxSessions: 3 }).maxSessions, 3);
});

test('decodeWorkers "auto" gives the search one thread per core, none on one core, at most 8', () => {
  assert.deepEqual([1, 2, 3, 4, 8, 16, 64].map((n) => autoDecodeWorkers(n)), [0, 2, 3, 4, 8, 8, 8]);
  assert.equal(resolveEngineConfig().decodeWorkers, 'auto');
});

test('unknown engine options and bad values are ENGINE_OPTION naming the option', () => {
  assert.throws(() => resolveEngineConfig({ bogus: 1 } as never), (e: unknown) => code('ENGINE_OPTION')(e) && (e as EngineError).details.option === 'bogus');
  for (const [k, v] of [
    ['batchMaxWaitMs', -1],
    ['maxSessions', 0],
    ['maxSessions', 1.5],
    ['decodeSliceMs', 0],
    ['defaultGrammar', ''],
    ['warmUp', 'yes'],
    ['grammars', []],
    ['graphCacheDir', 5],
  ] as const) {
    assert.throws(() => resolveEngineConfig({ [k]: v }), (e: unknown) => code('ENGINE_OPTION')(e) && (e as EngineError).details.option === k, k);
  }
});

test('session options: defaults, validation, grammar shapes', () => {
  const o = resolveSessionOptions({}, 16000, 'en');
  assert.deepEqual(o, { sampleRate: 16000, encoding: 's16le', channels: 1, grammar: 'en', alternatives: 1, partials: true, endpoint: undefined });
  assert.throws(() => resolveSessionOptions({ sampleRate: 5 }, 16000, 'en'), code('AUDIO_BAD_RATE'));
  assert.throws(() => resolveSessionOptions({ encoding: 'mp3' as never }, 16000, 'en'), code('ENGINE_OPTION'));
  assert.throws(() => resolveSessionOptions({ alternatives: 0 }, 16000, 'en'), code('ENGINE_OPTION'));
  assert.throws(() => resolveSessionOptions({ channels: 9 }, 16000, 'en'), code('ENGINE_OPTION'));
  assert.throws(() => resolveSessionOptions({ partials: 1 as never }, 16000, 'en'), code('ENGINE_OPTION'));
  assert.throws(() => resolveSessionOptions({ grammar: { kind: 'arpa', text: '' } as never }, 16000, 'en'), code('ENGINE_OPTION'));
  assert.throws(() => resolveSessionOptions({ grammar: { kind: 'phrases', text: 'a', extra: 1 } as never }, 16000, 'en'), code('ENGINE_OPTION'));
  assert.throws(() => resolveSessionOptions({ rate: 8000 } as never, 16000, 'en'), code('ENGINE_OPTION'));
  const g = resolveSessionOptions({ grammar: { kind: 'words', words: ['a'] }, endpoint: false }, 16000, 'en');
  assert.deepEqual(g.grammar, { kind: 'words', words: ['a'] });
  assert.equal(g.endpoint, false);
});

test('the wire form maps snake_case, accepts query-string values and rejects unknown keys', () => {
  const o = sessionOptionsFromWire({
    sample_rate: '8000',
    encoding: 'f32le',
    grammar: { kind: 'phrases', text: 'call mom' },
    alternatives: 3,
    partials: 'false',
    endpoint: { rules: [{ must_contain_speech: true, min_trailing_silence_sec: 0.3 }] },
  });
  assert.deepEqual(o, {
    sampleRate: 8000,
    encoding: 'f32le',
    grammar: { kind: 'phrases', text: 'call mom' },
    alternatives: 3,
    partials: false,
    endpoint: { rules: [{ mustContainSpeech: true, minTrailingSilenceSec: 0.3 }] },
  });
  assert.equal(sessionOptionsFromWire({ endpoint: false }).endpoint, false);
  assert.equal(sessionOptionsFromWire({ endpoint: 'true' }).endpoint, undefined);
  assert.throws(() => sessionOptionsFromWire({ sampleRate: 8000 }), code('ENGINE_OPTION'));
  assert.throws(() => sessionOptionsFromWire({ sample_rate: 'fast' }), code('ENGINE_OPTION'));
  assert.throws(() => sessionOptionsFromWire({ endpoint: { rules: [{ min_silence: 1 }] } }), code('ENGINE_OPTION'));
});
