// ARPA parsing and G construction: arpa2fst's exact structure, sentence costs against an independent LM scorer, errors.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { createGunzip, gunzipSync, gzipSync } from 'node:zlib';
import { ArcView, arcsOf, totalArcs, type Fst } from '../../../../decoder/fst/fst.ts';
import { Props } from '../../../../decoder/fst/properties.ts';
import { formatWeight, printText } from '../../../../decoder/fst/text-format.ts';
import { ArpaParser, arpaToFst, parseArpa, parseArpaStream, readArpaFile, type ArpaFst } from '../../../../decoder/graph/arpa.ts';
import { WordTable } from '../../../../decoder/graph/words.ts';
import { Rng, baseSeed } from '../../../support/random.ts';
import { bestCost } from '../../../support/word-paths.ts';
import { graphErrorCode } from '../../../support/graph-error-code.ts';

const BIGRAM = `Header text before \\data\\ is ignored.
\\data\\
ngram 1=5
ngram 2=5

\\1-grams:
-1.0\t</s>
-99\t<s>\t-0.5
-0.7\ta\t-0.3
-0.8\tb\t-0.2
-1.2\tc

\\2-grams:
-0.2\t<s> a
-0.5\ta b
-0.4\tb </s>
-0.9\ta </s>
-0.6\t<s> b

\\end\\
`;

const TRIGRAM = `\\data\\
ngram 1=6
ngram 2=7
ngram 3=4

\\1-grams:
-1.1 </s>
-99 <s> -0.4
-0.6 the -0.25
-0.9 cat -0.3
-1.0 sat -0.2
-1.3 mat -0.1

\\2-grams:
-0.3 <s> the -0.15
-0.5 the cat -0.2
-0.7 cat sat -0.1
-0.8 sat the 0.05
-0.9 the mat -0.3
-0.4 mat </s>
-1.2 <s> cat -0.05

\\3-grams:
-0.1 <s> the cat
-0.2 the cat sat
-0.3 cat sat the
-0.25 sat the mat

\\end\\
`;

const SENTENCES = [
  'the cat sat the mat',
  'the cat sat',
  'cat',
  'mat the cat',
  'the',
  'sat sat',
  'the mat',
  'cat sat the cat sat the mat',
];

/** An ARPA model as plain maps, read with split() — independent of the parser under test. */
interface RefLm {
  order: number;
  prob: Map<string, number>;
  backoff: Map<string, number>;
}

function refLm(text: string, maxOrder = Infinity): RefLm {
  const prob = new Map<string, number>();
  const backoff = new Map<string, number>();
  let order = 0;
  let k = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const m = /^\\(\d+)-grams:$/.exec(line);
    if (m) {
      k = Number(m[1]);
      continue;
    }
    if (line === '\\end\\') k = 0;
    if (k === 0 || k > maxOrder || line === '') continue;
    const f = line.split(/\s+/);
    const key = f.slice(1, 1 + k).join(' ');
    prob.set(key, Number(f[0]));
    if (f.length === k + 2) backoff.set(key, Number(f[k + 1]));
    order = Math.max(order, k);
  }
  return { order, prob, backoff };
}

/** log10 P(sentence) with back-off, from `<s>` to `</s>`. */
function refLog10(lm: RefLm, sentence: string): number {
  const words = ['<s>', ...sentence.split(' '), '</s>'];
  let total = 0;
  for (let i = 1; i < words.length; i++) {
    let h = words.slice(Math.max(0, i - lm.order + 1), i);
    const w = words[i];
    let bo = 0;
    for (;;) {
      const p = lm.prob.get([...h, w].join(' '));
      if (p !== undefined) {
        total += bo + p;
        break;
      }
      assert.ok(h.length > 0, `no unigram for ${w}`);
      bo += lm.backoff.get(h.join(' ')) ?? 0;
      h = h.slice(1);
    }
  }
  return total;
}

/** Cost of a sentence through G read as a back-off model: take the word's arc if present, else the #0 arc. */
function backoffCost(g: ArpaFst, sentence: string): number {
  const fst: Fst = g.fst;
  const view = new ArcView();
  let s = fst.start();
  let cost = 0;
  const step = (label: number): boolean => {
    fst.arcs(s, view);
    for (let a = view.begin; a < view.end; a++) {
      if (view.ilabel[a] === label) {
        cost += view.weight[a];
        s = view.nextstate[a];
        return true;
      }
    }
    return false;
  };
  for (const w of sentence.split(' ')) {
    const l = g.words.lookup(w);
    while (!step(l)) assert.ok(step(g.backoffLabel), `no back-off arc for ${w}`);
  }
  while (fst.final(s) === Infinity) assert.ok(step(g.backoffLabel), 'no back-off arc before </s>');
  return cost + fst.final(s);
}

function labelsOf(g: ArpaFst, sentence: string): number[] {
  return sentence.split(' ').map((w) => g.words.lookup(w));
}

/** Kaldi's cost of a log10 value: −(float(float(x) · ln 10)). */
function kc(x: number): string {
  return formatWeight(0 - Math.fround(Math.fround(x) * Math.LN10));
}

test('bigram G has arpa2fst structure: history states, #0 back-off arcs, </s> as final weight, <s> as start', () => {
  const g = arpaToFst(parseArpa(BIGRAM));
  assert.deepEqual(g.words.words(), ['a', 'b', 'c']);
  assert.equal(g.backoffLabel, 4);
  assert.equal(g.words.word(4), '#0');
  // State 0 is the empty history; c's history state had only its back-off arc, so c loops on state 0.
  const expected = [
    `1\t2\ta\ta\t${kc(-0.2)}`,
    `1\t3\tb\tb\t${kc(-0.6)}`,
    `1\t0\t#0\t<eps>\t${kc(-0.5)}`,
    `0\t2\ta\ta\t${kc(-0.7)}`,
    `0\t3\tb\tb\t${kc(-0.8)}`,
    `0\t0\tc\tc\t${kc(-1.2)}`,
    `0\t${kc(-1.0)}`,
    `2\t3\tb\tb\t${kc(-0.5)}`,
    `2\t0\t#0\t<eps>\t${kc(-0.3)}`,
    `2\t${kc(-0.9)}`,
    `3\t0\t#0\t<eps>\t${kc(-0.2)}`,
    `3\t${kc(-0.4)}`,
  ].join('\n');
  assert.equal(printText(g.fst, { isymbols: g.words.symbols, osymbols: g.words.symbols }), expected + '\n');
  assert.equal(g.redundantStates, 1);
  assert.equal(g.ngramsUsed, 10);
  assert.equal(g.fst.properties(Props.I_LABEL_SORTED, true), Props.I_LABEL_SORTED);
  assert.equal(g.fst.isymbols, g.words.symbols);
});

test('trigram G: sentence costs equal −ln 10 · log10 P from an independent back-off scorer', () => {
  const lm = refLm(TRIGRAM);
  const g = arpaToFst(parseArpa(TRIGRAM));
  for (const s of SENTENCES) {
    const want = -Math.LN10 * refLog10(lm, s);
    const got = backoffCost(g, s);
    assert.ok(Math.abs(got - want) < 1e-4, `${s}: G ${got} vs LM ${want}`);
    // Any other path (taking a back-off arc where an n-gram exists) is never cheaper here.
    assert.ok(Math.abs(bestCost(g.fst, labelsOf(g, s)) - want) < 1e-4, s);
  }
});

test('trigram G: one state per history with an extension, redundant histories bypassed', () => {
  const g = arpaToFst(parseArpa(TRIGRAM));
  // Histories: ε, <s>, the, cat, sat, mat, <s> the, the cat, cat sat, sat the; "the mat" and "<s> cat" are bypassed.
  assert.equal(g.fst.numStates(), 10);
  assert.equal(g.redundantStates, 2);
  // 4 unigram + 6 bigram + 4 trigram word arcs, and one back-off arc per state but the empty history.
  assert.equal(totalArcs(g.fst), 14 + 9);
  const the = g.words.lookup('the');
  const mat = g.words.lookup('mat');
  const arcFrom = (s: number, l: number) => arcsOf(g.fst, s).find((a) => a.ilabel === l);
  const theState = arcFrom(0, the)?.nextstate as number;
  const matState = arcFrom(0, mat)?.nextstate as number;
  // "the mat" goes straight to the history "mat", through the bypassed state's back-off: P(mat|the)·bo(the mat).
  const theMat = arcFrom(theState, mat);
  assert.equal(theMat?.nextstate, matState);
  assert.equal(formatWeight(theMat?.weight as number), formatWeight(Math.fround(Number(kc(-0.9)) + Number(kc(-0.3)))));
  // The positive back-off weight of "sat the" becomes a negative cost.
  const sat = g.words.lookup('sat');
  const satThe = arcFrom(arcFrom(0, sat)?.nextstate as number, the)?.nextstate as number;
  assert.equal(formatWeight(arcFrom(satThe, g.backoffLabel)?.weight as number), kc(0.05));
  assert.equal(g.fst.properties(Props.ACCESSIBLE | Props.COACCESSIBLE, true), Props.ACCESSIBLE | Props.COACCESSIBLE);
});

test('maxOrder 2 on a trigram file builds the same G as the bigram part of the file', () => {
  const bigramText = TRIGRAM.replace('ngram 3=4\n', '').replace(/\\3-grams:[^]*?\\end\\/, '\\end\\');
  const a = arpaToFst(parseArpa(TRIGRAM), { maxOrder: 2 });
  const b = arpaToFst(parseArpa(bigramText));
  assert.equal(printText(a.fst), printText(b.fst));
  const lm = refLm(TRIGRAM, 2);
  for (const s of SENTENCES) assert.ok(Math.abs(backoffCost(a, s) + Math.LN10 * refLog10(lm, s)) < 1e-4, s);
});

test('vocabularyLimit keeps the most probable words and drops n-grams over the others', () => {
  const g = arpaToFst(parseArpa(TRIGRAM), { vocabularyLimit: 2 });
  assert.deepEqual(g.words.words(), ['the', 'cat']);
  assert.equal(g.words.find('#0'), 3);
  const lm = refLm(TRIGRAM);
  for (const s of ['the cat', 'cat the', 'the']) {
    assert.ok(Math.abs(backoffCost(g, s) + Math.LN10 * refLog10(lm, s)) < 1e-4, s);
  }
  // Histories left with an extension: ε, <s>, the, "<s> the"; "cat", "the cat" and "<s> cat" lost theirs.
  assert.equal(g.fst.numStates(), 4);
});

test('pruneThreshold drops low n-grams and their extensions; costs follow the pruned model', () => {
  const g = arpaToFst(parseArpa(TRIGRAM), { pruneThreshold: -0.55 });
  const kept = new Set(['<s> the', 'the cat', 'mat </s>', '<s> the cat', 'the cat sat']);
  const lm = refLm(TRIGRAM);
  for (const key of [...lm.prob.keys()]) {
    if (key.includes(' ') && !kept.has(key)) {
      lm.prob.delete(key);
      lm.backoff.delete(key);
    }
  }
  for (const s of SENTENCES) {
    assert.ok(Math.abs(backoffCost(g, s) + Math.LN10 * refLog10(lm, s)) < 1e-4, s);
  }
  assert.equal(g.ngramsSkipped, 6);
});

test('an existing word table labels G; LM words missing from it are skipped', () => {
  const words = WordTable.fromWords(['mat', 'the', 'cat', 'dog']);
  const g = arpaToFst(parseArpa(TRIGRAM), { words });
  assert.equal(g.words, words);
  assert.equal(g.backoffLabel, 5);
  assert.equal(words.numDisambig, 1);
  const lm = refLm(TRIGRAM);
  for (const key of [...lm.prob.keys()]) if (key.split(' ').includes('sat')) lm.prob.delete(key);
  for (const s of ['the cat', 'the mat', 'cat the cat']) {
    assert.ok(Math.abs(backoffCost(g, s) + Math.LN10 * refLog10(lm, s)) < 1e-4, s);
  }
  assert.ok(arcsOf(g.fst, 0).every((a) => a.ilabel !== words.find('dog')));
});

test('the parser resumes across chunks of any size, CRLF lines and line iterables', () => {
  const whole = printText(arpaToFst(parseArpa(TRIGRAM)).fst);
  const rng = new Rng(baseSeed());
  for (let trial = 0; trial < 20; trial++) {
    const text = trial % 2 === 0 ? TRIGRAM : TRIGRAM.replace(/\n/g, '\r\n');
    const p = new ArpaParser();
    for (let i = 0; i < text.length; ) {
      const n = rng.int(1, 40);
      p.write(text.slice(i, i + n));
      i += n;
    }
    assert.equal(printText(arpaToFst(p.end()).fst), whole, `seed ${baseSeed()} trial ${trial}`);
  }
  assert.equal(printText(arpaToFst(parseArpa(TRIGRAM.split('\n'))).fst), whole);
  const m = parseArpa(TRIGRAM);
  assert.deepEqual(m.counts, [6, 7, 4]);
  assert.equal(m.order, 3);
  assert.deepEqual(m.vocab, ['</s>', '<s>', 'the', 'cat', 'sat', 'mat']);
  assert.equal(m.sections[1].backoff[3], Math.fround(0.05));
});

test('parseArpaStream reads a gzipped stream in chunks', async () => {
  const gz = gzipSync(Buffer.from(TRIGRAM));
  const chunks = [];
  for (let i = 0; i < gz.length; i += 7) chunks.push(gz.subarray(i, i + 7));
  const model = await parseArpaStream(Readable.from(chunks).pipe(createGunzip()));
  assert.equal(printText(arpaToFst(model).fst), printText(arpaToFst(parseArpa(TRIGRAM)).fst));
});

test('truncated and garbled ARPA files fail with codes and line numbers', () => {
  const lines = TRIGRAM.split('\n');
  const at = (s: string) => lines.indexOf(s) + 1;
  const cut = (n: number) => lines.slice(0, n).join('\n');
  assert.throws(() => parseArpa(cut(at('-0.2 the cat sat'))), graphErrorCode('ARPA_TRUNCATED', { section: '\\3-grams:', expected: 4, found: 2 }));
  assert.throws(() => parseArpa(cut(at('\\end\\') - 1)), graphErrorCode('ARPA_TRUNCATED', { section: '\\end\\' }));
  assert.throws(() => parseArpa(cut(at('\\3-grams:') - 1) + '\n\\end\\\n'), graphErrorCode('ARPA_TRUNCATED', { section: '\\3-grams:', expected: 4, found: 0 }));
  assert.throws(() => parseArpa(TRIGRAM.replace('ngram 2=7', 'ngram 2=8')), graphErrorCode('ARPA_TRUNCATED', { section: '\\2-grams:', expected: 8, found: 7 }));
  assert.throws(() => parseArpa(TRIGRAM.replace('ngram 2=7', 'ngram 2=6')), graphErrorCode('ARPA_SYNTAX', { line: at('-1.2 <s> cat -0.05') }));
  assert.throws(() => parseArpa(TRIGRAM.replace('-0.7 cat sat', '-0.7 cat')), graphErrorCode('ARPA_SYNTAX', { line: at('-0.7 cat sat -0.1') }));
  assert.throws(() => parseArpa(TRIGRAM.replace('-0.7 cat sat', 'x0.7 cat sat')), graphErrorCode('ARPA_SYNTAX', { line: at('-0.7 cat sat -0.1') }));
  assert.throws(() => parseArpa(TRIGRAM.replace('-0.7 cat sat -0.1', '-0.7 cat sat zz')), graphErrorCode('ARPA_SYNTAX', { line: at('-0.7 cat sat -0.1') }));
  assert.throws(() => parseArpa(TRIGRAM.replace('-0.7 cat sat', '-0.7 cat dog')), graphErrorCode('ARPA_SYNTAX', { line: at('-0.7 cat sat -0.1') }));
  assert.throws(() => parseArpa(TRIGRAM.replace('-1.3 mat', '-1.3 cat')), graphErrorCode('ARPA_SYNTAX', { line: at('-1.3 mat -0.1') }));
  assert.throws(() => parseArpa(TRIGRAM.replace('ngram 1=6', 'ngram 1 6')), graphErrorCode('ARPA_SYNTAX', { line: 2 }));
  assert.throws(() => parseArpa('just some text\n'), graphErrorCode('ARPA_SYNTAX'));
  assert.throws(() => parseArpa(''), graphErrorCode('ARPA_SYNTAX'));
  assert.throws(() => parseArpa('\\data\\\nngram 1=2\n'), graphErrorCode('ARPA_TRUNCATED'));
});

test('models without <s> or </s>, and bad options, are rejected', () => {
  const noBos = '\\data\\\nngram 1=2\n\\1-grams:\n-0.5 </s>\n-0.5 a\n\\end\\\n';
  assert.throws(() => arpaToFst(parseArpa(noBos)), graphErrorCode('ARPA_MODEL'));
  assert.throws(() => arpaToFst(parseArpa(noBos.replace('</s>', '<s>'))), graphErrorCode('ARPA_MODEL'));
  const m2 = parseArpa(TRIGRAM);
  assert.throws(() => arpaToFst(m2, { maxOrder: 0 }), graphErrorCode('GRAPH_OPTION', { option: 'maxOrder' }));
  assert.throws(() => arpaToFst(m2, { vocabularyLimit: 1.5 }), graphErrorCode('GRAPH_OPTION', { option: 'vocabularyLimit' }));
  assert.throws(() => arpaToFst(m2, { prune: 1 } as never), graphErrorCode('GRAPH_OPTION', { option: 'prune' }));
});

const LM20K = '/work/shared/data/lm/en-us-20k-3g.arpa.gz';

test('the 20k-word trigram LM loads quickly and G has one state per extended history', { skip: existsSync(LM20K) ? false : `${LM20K} missing` }, (t) => {
  const t0 = performance.now();
  const model = readArpaFile(LM20K);
  const t1 = performance.now();
  const g = arpaToFst(model);
  const t2 = performance.now();
  t.diagnostic(`parse ${(t1 - t0).toFixed(0)} ms, build ${(t2 - t1).toFixed(0)} ms, ${g.fst.numStates()} states, ${totalArcs(g.fst)} arcs`);
  assert.deepEqual(model.counts, [20002, 253940, 126058]);
  assert.equal(g.words.numWords, 20000);
  assert.equal(g.ngramsUsed, 20002 + 253940 + 126058);

  // Independent count: a history gets a state iff some n-gram extends it (an arc or a final weight).
  const text = gunzipSync(readFileSync(LM20K)).toString('utf8');
  const extended = new Set<string>();
  let wordArcs = 0;
  let k = 0;
  for (const line of text.split('\n')) {
    const m = /^\\(\d+)-grams:$/.exec(line);
    if (m) k = Number(m[1]);
    if (k < 1 || m || line === '' || line.startsWith('\\')) continue;
    const f = line.split(/\s+/);
    const ws = f.slice(1, 1 + k);
    if (ws.length > 1) extended.add(ws.slice(0, -1).join(' '));
    if (ws[ws.length - 1] !== '</s>' && !(k === 1 && ws[0] === '<s>')) wordArcs++;
  }
  const states = 1 + extended.size;
  assert.equal(g.fst.numStates(), states);
  assert.equal(totalArcs(g.fst), wordArcs + states - 1);

  const lm = refLm(text);
  for (const s of ['the cat sat on the mat', 'i would like to go home', "it's a beautiful day", 'zebra aardvark']) {
    if (!s.split(' ').every((w) => g.words.has(w))) continue;
    const want = -Math.LN10 * refLog10(lm, s);
    assert.ok(Math.abs(backoffCost(g, s) - want) < 1e-3, `${s}: ${backoffCost(g, s)} vs ${want}`);
  }
});
