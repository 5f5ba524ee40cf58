// `asr transcribe` and `asr eval` as real processes (bin/asr.js): output formats, exit codes, a tiny manifest, the
// real model.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildWav } from '../fixtures/wav-builder.ts';
import { Rng } from '../support/random.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ASR = join(ROOT, 'bin', 'asr.js');
const TOY = join(ROOT, 'test', 'fixtures', 'toy-acoustic-model');
const MODEL = join(ROOT, 'models', 'ds2-stream-en');
const SPEECH = join(ROOT, 'test', 'fixtures', 'speech', 'seven-three-nine.wav');
const WORDS = ['tea', 'toast', 'oats', 'eat', 'sea', 'set'];

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function asr(args: string[]): Run {
  const r = spawnSync(process.execPath, [ASR, ...args], { cwd: ROOT, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'asr-cli-'));
  const rng = new Rng(5);
  for (const [name, seconds, rate] of [['a.wav', 0.8, 16000], ['b.wav', 1.1, 8000]] as const) {
    const values = Array.from({ length: Math.round(seconds * rate) }, (_, i) => Math.round((rng.next() - 0.5) * 20000 * (0.5 + 0.5 * Math.sin(i / 500))));
    writeFileSync(join(dir, name), buildWav({ formatTag: 1, channels: 1, sampleRate: rate, bitsPerSample: 16, values }));
  }
  writeFileSync(join(dir, 'toy.txt'), `${WORDS.join('\n')}\n`);
  writeFileSync(join(dir, 'broken.jsgf'), '#JSGF V1.0;\ngrammar g;\npublic <a> = (tea | toast;\n');
  writeFileSync(join(dir, 'manifest.tsv'), 'id\twav\ttranscript\tduration_s\nu1\ta.wav\ttea toast\t0.8\nu2\tb.wav\toats\t1.1\n');
  writeFileSync(join(dir, 'no-transcript.tsv'), 'id\twav\nu1\ta.wav\n');
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('asr transcribe prints one "file<TAB>text" line per file', () => {
  const r = asr(['transcribe', join(dir, 'a.wav'), join(dir, 'b.wav'), '--model', TOY, '--grammar', join(dir, 'toy.txt')]);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 2);
  lines.forEach((line, k) => {
    const [file, text] = line.split('\t');
    assert.equal(file, join(dir, k === 0 ? 'a.wav' : 'b.wav'));
    for (const w of text.split(' ').filter((x) => x)) assert.ok(WORDS.includes(w), w);
  });
});

test('asr transcribe --json gives words with start, end and confidence', () => {
  const r = asr(['transcribe', join(dir, 'a.wav'), '--json', '--model', TOY, '--grammar', join(dir, 'toy.txt')]);
  assert.equal(r.status, 0, r.stderr);
  const o = JSON.parse(r.stdout.trim()) as { file: string; text: string; duration_sec: number; words: { word: string; start: number; end: number; confidence: number }[] };
  assert.equal(o.file, join(dir, 'a.wav'));
  assert.ok(Math.abs(o.duration_sec - 0.8) < 1e-9);
  assert.ok(o.words.length > 0);
  assert.equal(o.words.map((w) => w.word).join(' '), o.text);
  for (const w of o.words) assert.ok(w.start < w.end && w.end <= 0.8 + 1e-9 && w.confidence > 0 && w.confidence <= 1, JSON.stringify(w));
});

test('asr transcribe reports bad files and grammars with codes and exit statuses', () => {
  const missing = asr(['transcribe', join(dir, 'nope.wav'), join(dir, 'a.wav'), '--model', TOY, '--grammar', join(dir, 'toy.txt')]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /nope\.wav/);
  assert.equal(missing.stdout.trim().split('\n').length, 1, 'the other file is still transcribed');
  const notWav = asr(['transcribe', join(dir, 'toy.txt'), '--model', TOY, '--grammar', join(dir, 'toy.txt')]);
  assert.equal(notWav.status, 1);
  assert.match(notWav.stderr, /AUDIO_MALFORMED/);
  const broken = asr(['transcribe', join(dir, 'a.wav'), '--model', TOY, '--grammar', join(dir, 'broken.jsgf')]);
  assert.equal(broken.status, 1);
  assert.match(broken.stderr, /GRAMMAR_SYNTAX.*line 3/);
  const usage = asr(['transcribe']);
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /usage: asr transcribe/);
  assert.equal(asr(['transcribe', '--bogus', 'x.wav']).status, 2);
});

test('asr eval prints WER, CER, substitutions, deletions, insertions and RTF for a manifest', () => {
  const r = asr(['eval', join(dir, 'manifest.tsv'), '--model', TOY, '--grammar', join(dir, 'toy.txt')]);
  assert.equal(r.status, 0, r.stderr);
  for (const key of ['utterances', 'WER', 'CER', 'substitutions', 'deletions', 'insertions', 'RTF']) {
    assert.match(r.stdout, new RegExp(`^${key}\\t`, 'm'), key);
  }
  const j = asr(['eval', join(dir, 'manifest.tsv'), '--json', '--verbose', '--model', TOY, '--grammar', join(dir, 'toy.txt')]);
  assert.equal(j.status, 0, j.stderr);
  const o = JSON.parse(j.stdout) as {
    utterances: number;
    wer: number;
    cer: number;
    rtf: number;
    audio_sec: number;
    words: { substitutions: number; deletions: number; insertions: number; refLength: number };
    results: { id: string; hyp: string }[];
  };
  assert.equal(o.utterances, 2);
  assert.equal(o.words.refLength, 3);
  assert.equal(o.wer, (o.words.substitutions + o.words.deletions + o.words.insertions) / 3);
  assert.ok(o.cer >= 0 && o.rtf > 0);
  assert.ok(Math.abs(o.audio_sec - 1.9) < 1e-6);
  assert.deepEqual(o.results.map((x) => x.id), ['u1', 'u2']);
  const text = r.stdout.match(/^WER\t([\d.]+)%/m);
  assert.ok(text !== null && Math.abs(Number(text[1]) - o.wer * 100) < 0.01);
  const bad = asr(['eval', join(dir, 'no-transcript.tsv'), '--model', TOY]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /transcript/);
});

test('asr eval --decoder sets decoder options; bad JSON is a usage error, an unknown option a coded one', () => {
  const args = ['eval', join(dir, 'manifest.tsv'), '--json', '--model', TOY, '--grammar', join(dir, 'toy.txt')];
  const wide = asr([...args, '--decoder', '{"beam":30,"maxActive":5000}']);
  assert.equal(wide.status, 0, wide.stderr);
  assert.equal((JSON.parse(wide.stdout) as { utterances: number }).utterances, 2);
  // A large negative blank penalty makes blank win every frame: the hypotheses change, so the option reaches the decoder.
  const plain = JSON.parse(asr([...args, '--verbose']).stdout) as { results: { hyp: string }[] };
  const penalised = asr([...args, '--verbose', '--decoder', '{"blankPenalty":-50}']);
  assert.equal(penalised.status, 0, penalised.stderr);
  const hyps = (JSON.parse(penalised.stdout) as { results: { hyp: string }[] }).results.map((r) => r.hyp);
  assert.notDeepEqual(hyps, plain.results.map((r) => r.hyp));
  const notJson = asr([...args, '--decoder', '{beam:3']);
  assert.equal(notJson.status, 2);
  assert.match(notJson.stderr, /--decoder: not JSON/);
  const unknown = asr([...args, '--decoder', '{"bogus":1}']);
  assert.equal(unknown.status, 1);
  assert.match(unknown.stderr, /bogus/);
});

test('asr transcribe with the real model and the digits grammar', { skip: existsSync(join(MODEL, 'model.json')) ? false : 'models/ds2-stream-en is absent' }, () => {
  const r = asr(['transcribe', SPEECH, '--grammar', 'digits']);
  assert.equal(r.status, 0, r.stderr);
  const [file, text] = r.stdout.trim().split('\t');
  assert.equal(file, SPEECH);
  for (const w of (text ?? '').split(' ').filter((x) => x)) assert.ok(['zero', 'oh', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'].includes(w));
});
