// encode / decode: label and weight encoding, the super-final state, and agreement with fstencode.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EncodeMapper, decode, encode } from '../../../../decoder/fst/encode.ts';
import { FstError } from '../../../../decoder/fst/errors.ts';
import { ALL_PROPS, Props, computeProperties } from '../../../../decoder/fst/properties.ts';
import { LogSemiring, TropicalSemiring } from '../../../../decoder/fst/semiring.ts';
import { SymbolTable } from '../../../../decoder/fst/symbol-table.ts';
import { compileText, printText } from '../../../../decoder/fst/text-format.ts';
import { VectorFst } from '../../../../decoder/fst/vector-fst.ts';
import { OpenFstWorkspace, openFstSkipReason, withoutInfinityFinals } from '../../../support/openfst.ts';
import { randomFst } from '../../../support/random-fst.ts';
import { baseSeed } from '../../../support/random.ts';

test('encoding labels numbers label pairs in order of first use, epsilon pairs included', () => {
  const f = compileText('0 1 1 2 0.5\n0 1 0 0\n1 2 1 2 1.5\n2 1\n');
  const m = new EncodeMapper({ labels: true });
  encode(f, m);
  assert.equal(printText(f), '0\t1\t1\t1\t0.5\n0\t1\t2\t2\n1\t2\t1\t1\t1.5\n2\t1\n');
  assert.equal(m.size, 2);
  assert.deepEqual(m.triple(2), { ilabel: 0, olabel: 0, weight: 0 });
  assert.ok(f.properties(Props.ACCEPTOR, false) & Props.ACCEPTOR);
});

test('encoding weights moves final weights onto arcs into a new super-final state', () => {
  const f = compileText('0 1 1 2 0.5\n1 2.5\n');
  const m = new EncodeMapper({ labels: true, weights: true });
  encode(f, m);
  assert.equal(printText(f), '0\t1\t1\t1\n1\t2\t2\t2\n2\n');
  assert.deepEqual(m.triple(2), { ilabel: -1, olabel: -1, weight: 2.5 });
  decode(f, m);
  assert.equal(printText(f), '0\t1\t1\t2\t0.5\n1\t2.5\n');
});

test('one mapper encodes two FSTs consistently and decodes both', () => {
  const m = new EncodeMapper({ labels: true, weights: true });
  const a = compileText('0 1 1 2 0.5\n1\n');
  const b = compileText('0 1 3 4 1\n0 1 1 2 0.5\n1\n');
  encode(a, m);
  encode(b, m);
  assert.equal(printText(b), '0\t1\t3\t3\n0\t1\t1\t1\n1\t2\t2\t2\n2\n');
  decode(b, m);
  assert.equal(printText(b), '0\t1\t3\t4\t1\n0\t1\t1\t2\t0.5\n1\n');
});

test('encode moves symbol tables into the mapper and decode restores them', () => {
  const syms = SymbolTable.fromText('<eps> 0\na 1\nb 2\n');
  const f = compileText('0 1 a b\n1\n', { isymbols: syms, osymbols: syms });
  const m = new EncodeMapper({ labels: true });
  encode(f, m);
  assert.equal(f.isymbols, undefined);
  decode(f, m);
  assert.equal(f.isymbols, syms);
  assert.equal(f.osymbols, syms);
});

test('decode rejects labels the mapper never produced with FST_ARGUMENT', () => {
  const f = compileText('0 1 7 7\n1\n');
  const m = new EncodeMapper({ labels: true });
  assert.throws(() => decode(f, m), (e: unknown) => e instanceof FstError && e.code === 'FST_ARGUMENT');
  assert.throws(() => m.triple(1), (e: unknown) => e instanceof FstError && e.code === 'FST_ARGUMENT');
});

test('encode and decode agree with fstencode on random FSTs', { skip: openFstSkipReason() }, () => {
  const ws = new OpenFstWorkspace();
  try {
    const lines: string[] = [];
    const cases: { seed: number; encoded: string; decoded: string }[] = [];
    for (let i = 0; i < 210; i++) {
      const seed = baseSeed() + 40_000 + i;
      const sr = i % 3 === 0 ? LogSemiring : TropicalSemiring;
      const f = randomFst(seed, { semiring: sr, acceptor: i % 4 === 0, cyclic: i % 2 === 0, maxStates: 8 });
      const labels = i % 3 !== 1;
      const weights = i % 3 !== 0;
      lines.push(ws.compileLine(`in${i}`, f));
      const g = VectorFst.from(f);
      const m = new EncodeMapper({ labels, weights });
      encode(g, m);
      assert.equal(g.properties(ALL_PROPS, false) & ~computeProperties(g), 0, `seed ${seed}: cached properties`);
      const encoded = printText(g);
      decode(g, m);
      assert.equal(g.properties(ALL_PROPS, false) & ~computeProperties(g), 0, `seed ${seed}: cached properties`);
      cases.push({ seed, encoded, decoded: printText(g) });
      const flags = `${labels ? '--encode_labels' : ''} ${weights ? '--encode_weights' : ''}`;
      lines.push(
        `fstencode ${flags} in${i}.fst map${i} enc${i}.fst || exit 1`,
        `fstprint enc${i}.fst > enc${i}.txt || exit 1`,
        `fstencode --decode enc${i}.fst map${i} dec${i}.fst || exit 1`,
        `fstprint dec${i}.fst > dec${i}.txt || exit 1`,
      );
    }
    ws.script(lines);
    const read = (name: string) => withoutInfinityFinals(ws.read(name));
    cases.forEach(({ seed, encoded, decoded }, i) => {
      assert.equal(encoded, read(`enc${i}.txt`), `seed ${seed}: encoded FST differs`);
      assert.equal(decoded, read(`dec${i}.txt`), `seed ${seed}: decoded FST differs`);
    });
  } finally {
    ws.dispose();
  }
});
