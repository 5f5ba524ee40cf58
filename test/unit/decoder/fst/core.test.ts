// VectorFst, ConstFst, text and binary formats, properties: behaviour and agreement with fstprint/fstinfo.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import {
  ConstFst,
  FstError,
  LogSemiring,
  Props,
  SymbolTable,
  TropicalSemiring,
  VectorFst,
  arcsOf,
  compileText,
  deserializeFst,
  formatWeight,
  printText,
  serializeFst,
} from '../../../../decoder/fst/index.ts';
import { randomFst } from '../../../support/random-fst.ts';
import { baseSeed } from '../../../support/random.ts';
import { OpenFstWorkspace, openFstSkipReason, run } from '../../../support/openfst.ts';

test('VectorFst keeps arcs of interleaved states apart and compacts', () => {
  const f = new VectorFst();
  f.addStates(50);
  for (let r = 0; r < 20; r++) for (let s = 0; s < 50; s++) f.addArc(s, r + 1, s + 1, r / 2, (s + r) % 50);
  for (let s = 0; s < 50; s++) {
    const arcs = arcsOf(f, s);
    assert.equal(arcs.length, 20);
    arcs.forEach((a, r) => assert.deepEqual(a, { ilabel: r + 1, olabel: s + 1, weight: r / 2, nextstate: (s + r) % 50 }));
  }
});

test('deleteStates renumbers and drops arcs into deleted states', () => {
  const f = compileText('0 1 1 1\n0 2 2 2\n1 2 3 3\n2\n');
  f.deleteStates(Uint8Array.from([0, 1, 0]));
  assert.equal(f.numStates(), 2);
  assert.deepEqual(arcsOf(f, 0), [{ ilabel: 2, olabel: 2, weight: 0, nextstate: 1 }]);
  assert.equal(f.final(1), 0);
});

test('compileText renumbers states in order of appearance and reads finals', () => {
  const f = compileText('3 5 1 2 0.5\n5 3 2 2\n5 7 3 4\n7 2.5\n3\n');
  assert.equal(f.start(), 0);
  assert.equal(f.numStates(), 3);
  assert.equal(f.final(2), 2.5);
  assert.equal(f.final(0), 0);
  assert.equal(f.final(1), Infinity);
  assert.equal(printText(f), '0\t1\t1\t2\t0.5\n0\n1\t0\t2\t2\n1\t2\t3\t4\n2\t2.5\n');
});

test('compileText reports bad lines with codes and line numbers', () => {
  assert.throws(
    () => compileText('0 1 1 1\n0 x 1 1\n'),
    (e: unknown) => e instanceof FstError && e.code === 'FST_PARSE' && e.details.line === 2,
  );
  assert.throws(() => compileText('0 1 1 1 1 1 1\n'), (e: unknown) => e instanceof FstError && e.code === 'FST_PARSE');
  const syms = SymbolTable.fromText('<eps> 0\na 1\n');
  assert.throws(
    () => compileText('0 1 b\n', { isymbols: syms, acceptor: true }),
    (e: unknown) => e instanceof FstError && e.code === 'FST_SYMBOL',
  );
});

test('symbol tables round-trip and label text through them', () => {
  const syms = SymbolTable.fromText('<eps>\t0\nhello 1\nworld 2\n');
  assert.equal(syms.find('world'), 2);
  assert.equal(syms.symbol(1), 'hello');
  const f = compileText('0 1 hello world 1.5\n1\n', { isymbols: syms, osymbols: syms });
  assert.equal(printText(f, { isymbols: syms, osymbols: syms }), '0\t1\thello\tworld\t1.5\n1\n');
  assert.equal(SymbolTable.fromText(syms.toText()).toText(), syms.toText());
});

test('formatWeight prints as C++ %.9g', () => {
  assert.equal(formatWeight(0.5), '0.5');
  assert.equal(formatWeight(Math.fround(0.123456789)), '0.123456791');
  assert.equal(formatWeight(Math.fround(1e-9)), '9.99999972e-10');
  assert.equal(formatWeight(1e20), '1e+20');
  assert.equal(formatWeight(123456789), '123456789');
  assert.equal(formatWeight(1234567890), '1.23456789e+09');
  assert.equal(formatWeight(0.0001), '0.0001');
  assert.equal(formatWeight(Math.fround(0.00001)), '9.99999975e-06');
  assert.equal(formatWeight(Infinity), 'Infinity');
  assert.equal(formatWeight(-2), '-2');
  // Exact ties round to even, as glibc's printf does.
  assert.equal(formatWeight(2.072265625), '2.07226562');
  assert.equal(formatWeight(2.072265875), '2.07226587'); // not exactly representable: below the tie
  assert.equal(formatWeight(123456789.5), '123456790');
  assert.equal(formatWeight(1234567885), '1.23456788e+09');
  assert.equal(formatWeight(-0.000123456789), '-0.000123456789');
});

test('binary format round-trips through ConstFst views', () => {
  for (let i = 0; i < 20; i++) {
    const sr = i % 2 ? LogSemiring : TropicalSemiring;
    const f = randomFst(baseSeed() + i, { semiring: sr, maxStates: 12 });
    f.isymbols = SymbolTable.fromText('<eps> 0\na 1\nb 2\nc 3\n');
    const bytes = serializeFst(f);
    const g = deserializeFst(bytes);
    assert.equal(g.semiring, sr);
    assert.equal(printText(g), printText(f));
    assert.equal(g.isymbols?.toText(), f.isymbols.toText());
    assert.equal(g.osymbols, undefined);
  }
});

test('binary loader rejects truncated and foreign files with FST_FORMAT', () => {
  const bytes = serializeFst(compileText('0 1 1 1\n1\n'));
  assert.throws(() => deserializeFst(bytes.subarray(0, bytes.length - 3)), (e: unknown) => e instanceof FstError && e.code === 'FST_FORMAT');
  assert.throws(() => deserializeFst(Buffer.from('not an fst at all, really not')), (e: unknown) => e instanceof FstError && e.code === 'FST_FORMAT');
});

test('ConstFst.from copies structure and properties', () => {
  const f = randomFst(baseSeed(), { maxStates: 10 });
  const c = ConstFst.from(f);
  assert.equal(printText(c), printText(f));
  assert.equal(c.properties(Props.ACCEPTOR, true), f.properties(Props.ACCEPTOR, true));
});

test('properties of small hand-made FSTs', () => {
  const f = compileText('0 1 1 1\n1 2 2 2 0.5\n2\n');
  const p = f.properties(-1, true);
  for (const b of [Props.ACCEPTOR, Props.I_DETERMINISTIC, Props.NO_EPSILONS, Props.I_LABEL_SORTED, Props.WEIGHTED, Props.ACYCLIC, Props.TOP_SORTED, Props.ACCESSIBLE, Props.COACCESSIBLE, Props.INITIAL_ACYCLIC]) {
    assert.ok(p & b);
  }
  const g = compileText('0 1 2 0\n0 1 1 3\n0 2 1 2\n1 0 0 0\n1 2 1 1\n');
  const q = g.properties(-1, true);
  for (const b of [Props.NOT_ACCEPTOR, Props.NON_I_DETERMINISTIC, Props.EPSILONS, Props.NOT_I_LABEL_SORTED, Props.CYCLIC, Props.INITIAL_CYCLIC, Props.NOT_COACCESSIBLE, Props.UNWEIGHTED]) {
    assert.ok(q & b, `missing ${b}`);
  }
});

const skip = openFstSkipReason();

test('printText equals fstprint and properties equal fstinfo on random FSTs', { skip }, () => {
  const ws = new OpenFstWorkspace();
  try {
    const fields: [string, number][] = [
      ['acceptor', Props.ACCEPTOR],
      ['input deterministic', Props.I_DETERMINISTIC],
      ['output deterministic', Props.O_DETERMINISTIC],
      ['input/output epsilons', Props.EPSILONS],
      ['input epsilons', Props.I_EPSILONS],
      ['output epsilons', Props.O_EPSILONS],
      ['input label sorted', Props.I_LABEL_SORTED],
      ['output label sorted', Props.O_LABEL_SORTED],
      ['weighted', Props.WEIGHTED],
      ['cyclic', Props.CYCLIC],
      ['cyclic at initial state', Props.INITIAL_CYCLIC],
      ['top sorted', Props.TOP_SORTED],
      ['accessible', Props.ACCESSIBLE],
      ['coaccessible', Props.COACCESSIBLE],
    ];
    for (let i = 0; i < 60; i++) {
      const seed = baseSeed() + 1000 + i;
      const sr = i % 3 === 0 ? LogSemiring : TropicalSemiring;
      const f = randomFst(seed, { semiring: sr, maxStates: 8, acceptor: i % 4 === 0, cyclic: i % 2 === 0 });
      const path = ws.put(`f${i}`, f);
      // fstcompile --keep_state_numbering gives never-mentioned states a final weight that prints as
      // "Infinity" yet counts as non-final (fstinfo agrees): drop those lines.
      const printed = run('fstprint', [path]).replace(/^\d+\tInfinity\n/gm, '');
      assert.equal(printed, printText(f), `seed ${seed}`);
      const info = run('fstinfo', [path]);
      const p = f.properties(-1, true);
      for (const [name, bit] of fields) {
        const m = new RegExp(`^${name.replace('/', '\\/')}\\s+(\\S)`, 'm').exec(info);
        assert.ok(m, name);
        const ours = p & bit ? 'y' : 'n';
        assert.equal(ours, m[1], `seed ${seed}: property "${name}"`);
      }
    }
  } finally {
    ws.dispose();
  }
});

test('fstcompile output read back through fstprint equals ours', { skip }, () => {
  const ws = new OpenFstWorkspace();
  try {
    const txt = ws.path('a.txt');
    writeFileSync(txt, '3 5 1 2 0.123456789\n5 3 2 2 1e-9\n5 7 3 4\n7 2.5\n3\n');
    run('fstcompile', [txt, ws.path('a.fst')]);
    const out = run('fstprint', [ws.path('a.fst')]);
    assert.equal(printText(compileText('3 5 1 2 0.123456789\n5 3 2 2 1e-9\n5 7 3 4\n7 2.5\n3\n')), out);
  } finally {
    ws.dispose();
  }
});
