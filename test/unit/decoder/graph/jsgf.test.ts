// JSGF: parsing, compilation to G (accepted and rejected sentences, costs), errors with positions, OpenFst oracle.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { totalArcs } from '../../../../decoder/fst/fst.ts';
import { Props } from '../../../../decoder/fst/properties.ts';
import { compileText } from '../../../../decoder/fst/text-format.ts';
import { GraphError } from '../../../../decoder/graph/errors.ts';
import { compileJsgf, jsgfToFst, parseJsgf, type JsgfExpansion, type JsgfGrammar } from '../../../../decoder/graph/jsgf.ts';
import { WordTable } from '../../../../decoder/graph/words.ts';
import { OpenFstWorkspace, equivalent, openFstSkipReason, run } from '../../../support/openfst.ts';
import { Rng, baseSeed } from '../../../support/random.ts';
import { sentenceCost } from '../../../support/word-paths.ts';
import { graphErrorCode } from '../../../support/graph-error-code.ts';

const HOME = `#JSGF V1.0 UTF-8 en;
grammar home;

/* Lights and heating.
   Rooms are shared by both commands. */
public <lights> = turn (on | off) the <room> lights [please];
public <heating> = set the <room> temperature to <digit> degrees;  // digits are spelled out
<room> = kitchen | living-room | "dining room" | bedroom;
<digit> = 1 | 2 | 3 {a tag, ignored};
`;

function grammar(body: string): string {
  return `#JSGF V1.0;\ngrammar g;\n${body}`;
}

function close(a: number, b: number): boolean {
  return Math.abs(a - b) < 1e-5;
}

test('a command grammar accepts its sentences and rejects others', () => {
  const words = new WordTable();
  const g = compileJsgf(HOME, words);
  for (const s of [
    'turn on the kitchen lights',
    'turn off the living room lights please',
    'turn on the dining room lights',
    'set the bedroom temperature to two degrees',
  ]) {
    assert.equal(sentenceCost(g, words, s), 0, s);
  }
  for (const s of [
    'turn the kitchen lights',
    'turn on the living lights',
    'turn on the kitchen',
    'set the kitchen temperature to 2 degrees',
    'turn on the kitchen lights please please',
    '',
  ]) {
    assert.equal(sentenceCost(g, words, s), Infinity, s);
  }
  assert.ok(words.has('living') && words.has('room') && words.has('three') && !words.has('living-room'));
  assert.equal(words.numDisambig, 0);
});

test('G is epsilon-free, connected and input-label sorted, labelled with the word table', () => {
  const words = new WordTable();
  const g = compileJsgf(HOME, words);
  const want = Props.NO_EPSILONS | Props.ACCESSIBLE | Props.COACCESSIBLE | Props.I_LABEL_SORTED | Props.ACCEPTOR;
  assert.equal(g.properties(want, true), want);
  assert.equal(g.isymbols, words.symbols);
  assert.equal(g.osymbols, words.symbols);
});

test('alternative weights become −ln(w / Σw) within their group', () => {
  const words = new WordTable();
  const g = compileJsgf(grammar('public <a> = /3/ yes | /1/ no | /0/ never | /1/ (/1/ maybe | /3/ perhaps) so;\n'), words);
  assert.ok(close(sentenceCost(g, words, 'yes'), -Math.log(3 / 5)));
  assert.ok(close(sentenceCost(g, words, 'no'), -Math.log(1 / 5)));
  assert.ok(close(sentenceCost(g, words, 'perhaps so'), -Math.log((1 / 5) * (3 / 4))));
  assert.ok(close(sentenceCost(g, words, 'maybe so'), -Math.log((1 / 5) * (1 / 4))));
  assert.equal(sentenceCost(g, words, 'never'), Infinity);
  // Two arc-less finals with different weights stay apart (tropical: the cheaper <NULL> wins).
  const h = compileJsgf(grammar('public <b> = x | y (/1/ <NULL> | /3/ <NULL>);\n'), words);
  assert.equal(sentenceCost(h, words, 'x'), 0);
  assert.ok(close(sentenceCost(h, words, 'y'), -Math.log(3 / 4)));
});

test('optional, * and + repeat as JSGF defines them', () => {
  const words = new WordTable();
  const g = compileJsgf(
    grammar(`public <call> = [please] call (mom | dad)+ [now];
public <go> = go (left | right)* [/2/ fast | /1/ slow];
public <n> = <NULL> | nothing;
`),
    words,
  );
  for (const s of ['call mom', 'please call dad mom dad now', 'go', 'go left right left', 'go right fast', 'nothing']) {
    assert.ok(sentenceCost(g, words, s) < Infinity, s);
  }
  assert.equal(sentenceCost(g, words, ''), 0);
  for (const s of ['call', 'please now', 'go go', 'left', 'call mom please']) {
    assert.equal(sentenceCost(g, words, s), Infinity, s);
  }
  // [/2/ fast | /1/ slow]: the optional part costs nothing when absent, its weights when present.
  assert.equal(sentenceCost(g, words, 'go left'), 0);
  assert.ok(close(sentenceCost(g, words, 'go left slow'), Math.log(3)));
});

test('the root option compiles one rule, public or not; several public rules are united', () => {
  const words = new WordTable();
  const text = grammar('public <a> = alpha; public <b> = beta <c>; <c> = gamma;\n');
  const all = compileJsgf(text, words);
  assert.equal(sentenceCost(all, words, 'alpha'), 0);
  assert.equal(sentenceCost(all, words, 'beta gamma'), 0);
  const c = compileJsgf(text, words, { root: 'c' });
  assert.equal(sentenceCost(c, words, 'gamma'), 0);
  assert.equal(sentenceCost(c, words, 'alpha'), Infinity);
  assert.throws(() => compileJsgf(text, words, { root: 'nope' }), graphErrorCode('GRAMMAR_UNKNOWN_RULE', { rule: 'nope' }));
  assert.equal(sentenceCost(compileJsgf(grammar('public <a> = x <g.b>; <b> = y;\n'), words), words, 'x y'), 0);
});

test('parseJsgf returns the rules with their positions and expansions', () => {
  const g = parseJsgf(HOME);
  assert.equal(g.name, 'home');
  assert.deepEqual([...g.rules.keys()], ['lights', 'heating', 'room', 'digit']);
  const room = g.rules.get('room');
  assert.equal(room?.isPublic, false);
  assert.deepEqual(room?.pos, { line: 8, column: 1 });
  assert.equal(room?.expansion.kind, 'alternatives');
  const digit = g.rules.get('digit')?.expansion;
  assert.ok(digit?.kind === 'alternatives');
  assert.deepEqual(
    digit.alternatives.map((a) => (a.expansion.kind === 'words' ? a.expansion.words : [])),
    [['one'], ['two'], ['three']],
  );
});

test('syntax errors report line and column', () => {
  const cases: [string, number, number][] = [
    ['public <a> = hello\n<b> = world;\n', 4, 5],
    ['public <a> = (turn on;\n', 3, 22],
    ['public <a> = /x/ yes | /1/ no;\n', 3, 14],
    ['public <a> = /2/ yes | no;\n', 3, 24],
    ['public <a> = yes | ;\n', 3, 20],
    ['public <a> = yes;\n  /* never closed\n', 4, 3],
    ['public <a> = "unterminated;\n', 3, 14],
    ['public <a b> = x;\n', 3, 8],
    ['public a = x;\n', 3, 8],
    ['<a> = x;\n<a> = y;\n', 4, 1],
    ['import <other.*>;\n', 3, 1],
    ['public <a> = x', 3, 15],
    ['public <a> = /0/ x | /0/ y;\n', 3, 27],
  ];
  for (const [body, line, column] of cases) {
    assert.throws(() => parseJsgf(grammar(body)), graphErrorCode('GRAMMAR_SYNTAX', { line, column }), body);
  }
  assert.throws(() => parseJsgf('grammar g;\npublic <a> = x;\n'), graphErrorCode('GRAMMAR_SYNTAX', { line: 1, column: 1 }));
  assert.throws(() => parseJsgf('#JSGF V1.0;\npublic <a> = x;\n'), graphErrorCode('GRAMMAR_SYNTAX', { line: 2, column: 1 }));
  assert.throws(() => parseJsgf('#JSGF;\ngrammar g;\n'), graphErrorCode('GRAMMAR_SYNTAX', { line: 1, column: 1 }));
});

test('unknown rules and unspellable tokens report their position', () => {
  assert.throws(() => parseJsgf(grammar('public <a> = call <person>;\n')), graphErrorCode('GRAMMAR_UNKNOWN_RULE', { rule: 'person', line: 3, column: 19 }));
  assert.throws(() => parseJsgf(grammar('public <a> = call 911;\n')), graphErrorCode('WORD_UNSPELLABLE', { word: '911', line: 3, column: 19 }));
});

test('recursive rules are rejected, unless unreachable', () => {
  const words = new WordTable();
  assert.throws(() => compileJsgf(grammar('public <a> = go <a> | stop;\n'), words), graphErrorCode('GRAMMAR_RECURSION', { rule: 'a' }));
  assert.throws(
    () => compileJsgf(grammar('public <a> = x <b>;\n<b> = y [<c>];\n<c> = z <b>;\n'), words),
    graphErrorCode('GRAMMAR_RECURSION', { rule: 'b', cycle: ['b', 'c', 'b'] }),
  );
  assert.equal(sentenceCost(compileJsgf(grammar('public <a> = x;\n<r> = y <r>;\n'), words), words, 'x'), 0);
});

test('grammars that accept nothing, or have no public rule, are GRAMMAR_EMPTY', () => {
  const words = new WordTable();
  assert.throws(() => compileJsgf(grammar('public <a> = <VOID>;\n'), words), graphErrorCode('GRAMMAR_EMPTY'));
  assert.throws(() => compileJsgf(grammar('public <a> = x <VOID> | <VOID>;\n'), words), graphErrorCode('GRAMMAR_EMPTY'));
  assert.throws(() => compileJsgf(grammar('<a> = x;\n'), words), graphErrorCode('GRAMMAR_EMPTY'));
  assert.throws(() => compileJsgf(grammar(''), words), graphErrorCode('GRAMMAR_EMPTY'));
});

test('closed vocabularies, frozen tables, limits and options are enforced', () => {
  const closed = WordTable.fromWords(['turn', 'on']);
  assert.throws(() => compileJsgf(grammar('public <a> = turn off;\n'), closed, { closedVocabulary: true }), graphErrorCode('WORD_OOV', { word: 'off', line: 3, column: 19 }));
  closed.disambig(0);
  assert.throws(() => compileJsgf(grammar('public <a> = turn off;\n'), closed), graphErrorCode('WORD_TABLE_FROZEN', { word: 'off' }));
  const big = grammar('public <a> = <b> <b> <b> <b>;\n<b> = <c> <c> <c> <c>;\n<c> = a b c d e f g h;\n');
  assert.throws(() => compileJsgf(big, new WordTable(), { maxStates: 100 }), graphErrorCode('GRAMMAR_LIMIT', { limit: 100 }));
  assert.throws(() => compileJsgf(big, new WordTable(), { rooot: 'a' } as never), graphErrorCode('GRAPH_OPTION', { option: 'rooot' }));
  assert.throws(() => compileJsgf(big, new WordTable(), { maxArcs: 50 }), graphErrorCode('GRAMMAR_LIMIT', { limit: 50 }));
  assert.throws(() => jsgfToFst(parseJsgf(big), new WordTable(), { maxStates: 0 }), graphErrorCode('GRAPH_OPTION', { option: 'maxStates' }));
});

test('lists of alternatives stay linear in size when concatenated', () => {
  const words = new WordTable();
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const names = Array.from({ length: 2000 }, (_, i) => letters[i % 26] + letters[Math.floor(i / 26) % 26] + letters[Math.floor(i / 676)]);
  const g = compileJsgf(grammar(`public <call> = call <name> <name> [<name>] now;\n<name> = ${names.join(' | ')};\n`), words);
  assert.ok(totalArcs(g) < 4 * names.length + 10, `${totalArcs(g)} arcs`);
  assert.equal(sentenceCost(g, words, `call ${names[5]} ${names[1999]} now`), 0);
  assert.equal(sentenceCost(g, words, `call ${names[5]} ${names[7]} ${names[9]} now`), 0);
  assert.equal(sentenceCost(g, words, `call ${names[5]} now`), Infinity);
});

/** Reference matcher: min cost of each way `e` can consume words[i, j), by direct recursion on the expansion. */
function ends(g: JsgfGrammar, e: JsgfExpansion, w: readonly string[], i: number): Map<number, number> {
  const out = new Map<number, number>();
  const put = (m: Map<number, number>, j: number, c: number): boolean => {
    if (c < (m.get(j) ?? Infinity) - 1e-12) {
      m.set(j, c);
      return true;
    }
    return false;
  };
  switch (e.kind) {
    case 'words':
      if (e.words.every((x, k) => w[i + k] === x)) out.set(i + e.words.length, 0);
      return out;
    case 'null':
      out.set(i, 0);
      return out;
    case 'void':
      return out;
    case 'ruleref':
      return ends(g, (g.rules.get(e.rule) as { expansion: JsgfExpansion }).expansion, w, i);
    case 'sequence': {
      let cur = new Map([[i, 0]]);
      for (const item of e.items) {
        const next = new Map<number, number>();
        for (const [j, c] of cur) for (const [k, d] of ends(g, item, w, j)) put(next, k, c + d);
        cur = next;
      }
      return cur;
    }
    case 'alternatives': {
      const total = e.alternatives.reduce((t, a) => t + a.weight, 0);
      for (const a of e.alternatives) {
        if (a.weight === 0) continue;
        const cost = e.weighted ? -Math.log(a.weight / total) : 0;
        for (const [j, c] of ends(g, a.expansion, w, i)) put(out, j, c + cost);
      }
      return out;
    }
    case 'optional':
      for (const [j, c] of ends(g, e.body, w, i)) put(out, j, c);
      put(out, i, 0);
      return out;
    case 'repeat': {
      let frontier = ends(g, e.body, w, i);
      for (const [j, c] of frontier) put(out, j, c);
      while (frontier.size > 0) {
        const next = new Map<number, number>();
        for (const [j, c] of frontier) for (const [k, d] of ends(g, e.body, w, j)) if (put(out, k, c + d)) next.set(k, c + d);
        frontier = next;
      }
      if (e.min === 0) put(out, i, 0);
      return out;
    }
  }
}

function randomExpansion(rng: Rng, depth: number, rules: number, rule: number): string {
  const atom = (): string => {
    const r = rng.int(0, 9);
    if (r < 5) return Array.from({ length: rng.int(1, 2) }, () => rng.pick(['a', 'b', 'c'])).join(' ');
    if (r < 7 && rule + 1 < rules) return `<r${rng.int(rule + 1, rules - 1)}>`;
    if (r === 7) return '<NULL>';
    return rng.pick(['a', 'b', 'c']);
  };
  if (depth === 0) return atom();
  switch (rng.int(0, 5)) {
    case 0:
      return atom();
    case 1:
      return `${randomExpansion(rng, depth - 1, rules, rule)} ${randomExpansion(rng, depth - 1, rules, rule)}`;
    case 2: {
      const n = rng.int(2, 3);
      const weighted = rng.bool(0.5);
      const alts = Array.from({ length: n }, () => (weighted ? `/${rng.int(0, 4)}/ ` : '') + randomExpansion(rng, depth - 1, rules, rule));
      if (weighted && alts.every((a) => a.startsWith('/0/'))) alts[0] = '/1/' + alts[0].slice(3);
      return `(${alts.join(' | ')})`;
    }
    case 3:
      return `[${randomExpansion(rng, depth - 1, rules, rule)}]`;
    default:
      return `(${randomExpansion(rng, depth - 1, rules, rule)})${rng.pick(['*', '+'])}`;
  }
}

test('G agrees with a direct matcher on random grammars and all short sentences', () => {
  const seed = baseSeed();
  const rng = new Rng(seed);
  const sentences: string[][] = [[]];
  for (let len = 1; len <= 4; len++) {
    for (const s of sentences.filter((x) => x.length === len - 1)) for (const x of ['a', 'b', 'c']) sentences.push([...s, x]);
  }
  for (let trial = 0; trial < 60; trial++) {
    const nRules = rng.int(1, 3);
    let body = '';
    for (let r = 0; r < nRules; r++) body += `${r === 0 ? 'public ' : ''}<r${r}> = ${randomExpansion(rng, 3, nRules, r)};\n`;
    const text = grammar(body);
    const g = parseJsgf(text);
    const words = WordTable.fromWords(['a', 'b', 'c']);
    let fst;
    try {
      fst = jsgfToFst(g, words);
    } catch (e) {
      assert.ok(e instanceof GraphError && e.code === 'GRAMMAR_EMPTY', `seed ${seed} trial ${trial}: ${text}`);
      continue;
    }
    const root = (g.rules.get('r0') as { expansion: JsgfExpansion }).expansion;
    for (const s of sentences) {
      const want = ends(g, root, s, 0).get(s.length) ?? Infinity;
      const got = sentenceCost(fst, words, s.join(' '));
      assert.ok(want === got || Math.abs(want - got) < 1e-4, `seed ${seed} trial ${trial} "${s.join(' ')}": G ${got}, reference ${want}\n${text}`);
    }
  }
});

test('G is equivalent to a hand-built deterministic acceptor (fstdeterminize + fstequivalent)', { skip: openFstSkipReason() }, () => {
  const words = new WordTable();
  const g = compileJsgf(
    grammar('public <a> = turn (/3/ on | /1/ off) the <room> lights;\n<room> = kitchen | living-room | "dining room";\n'),
    words,
  );
  const expected = compileText(
    [
      '0 1 turn',
      `1 2 on ${-Math.log(3 / 4)}`,
      `1 2 off ${-Math.log(1 / 4)}`,
      '2 3 the',
      '3 4 kitchen',
      '3 5 living',
      '3 6 dining',
      '5 4 room',
      '6 4 room',
      '4 7 lights',
      '7',
    ].join('\n'),
    { isymbols: words.symbols, acceptor: true },
  );
  const ws = new OpenFstWorkspace();
  try {
    const a = ws.put('g', g);
    const det = ws.path('g-det.fst');
    run('fstdeterminize', [a, det]);
    assert.ok(equivalent(det, ws.put('expected', expected)));
  } finally {
    ws.dispose();
  }
});
