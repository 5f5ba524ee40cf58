// Word confidences on real speech: the engine with the real acoustic model and the `en` grammar, over the real-dev
// recordings, gives the words it gets right a higher mean confidence than the words it gets wrong.
// Skipped while ../shared/data/real-dev or the model is absent, or while the card says the model is not trained.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readManifest } from '../../../cli/eval.ts';
import { DEFAULT_MODEL_DIR } from '../../../engine/config.ts';
import { Engine } from '../../../engine/engine.ts';
import { normalizeTranscript } from '../../../engine/wer.ts';
import { correctWords } from '../../support/word-alignment.ts';

const MANIFEST = join(DEFAULT_MODEL_DIR, '..', '..', '..', 'shared', 'data', 'real-dev', 'manifest.tsv');
const CARD = join(DEFAULT_MODEL_DIR, 'model.json');
const status = existsSync(CARD) ? String((JSON.parse(readFileSync(CARD, 'utf8')) as { status?: unknown }).status ?? '') : '';
const skip = !existsSync(MANIFEST)
  ? `the real-dev recordings are missing (${MANIFEST})`
  : !existsSync(CARD)
    ? `${DEFAULT_MODEL_DIR} is not there yet`
    : /^(placeholder|interim)/.test(status)
      ? `the model card says "${status}": its transcripts are not yet meaningful`
      : false;
/** Fewer words of either kind than this make the comparison meaningless (a much better model, say). */
const MIN_WORDS = 10;

let eng: Engine | undefined;
after(async () => eng?.close());

const mean = (a: readonly number[]) => a.reduce((s, x) => s + x, 0) / a.length;

test('on real-dev with the en grammar, right words have a higher mean confidence than wrong ones', { skip }, async (t) => {
  eng = await Engine.create({ defaultGrammar: 'en', modelWorker: false, decodeWorkers: 0, warmUp: false, batchMaxWaitMs: 0 });
  const right: number[] = [];
  const wrong: number[] = [];
  for (const row of readManifest(MANIFEST)) {
    const r = await eng.transcribe(new Uint8Array(readFileSync(row.wav)));
    const ok = correctWords(normalizeTranscript(row.transcript), r.words.map((w) => w.word));
    r.words.forEach((w, k) => {
      assert.ok(w.confidence >= 0 && w.confidence <= 1, JSON.stringify(w));
      (ok[k] ? right : wrong).push(w.confidence);
    });
  }
  if (right.length < MIN_WORDS || wrong.length < MIN_WORDS) {
    t.skip(`only ${right.length} right and ${wrong.length} wrong words: too few of one kind to compare`);
    return;
  }
  const summary = `right: ${right.length} words, mean ${mean(right).toFixed(3)}; wrong: ${wrong.length} words, mean ${mean(wrong).toFixed(3)}`;
  t.diagnostic(summary);
  assert.ok(mean(right) > mean(wrong), summary);
});
