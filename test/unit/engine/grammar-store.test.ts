// The grammar store: user grammars by name, inline grammars by content hash, shipped ones, and their coded errors.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphError } from '../../../decoder/graph/errors.ts';
import { compileGrammar } from '../../../decoder/graph/tlg.ts';
import { TokenTable } from '../../../decoder/graph/tokens.ts';
import { EngineError } from '../../../engine/errors.ts';
import { WorkerGrammarCompiler } from '../../../engine/grammar-compiler.ts';
import { GrammarStore, type GrammarStoreOptions } from '../../../engine/grammar-store.ts';

const tokens = TokenTable.default();
function store(over: Partial<GrammarStoreOptions> = {}): GrammarStore {
  return new GrammarStore(tokens, {
    decoder: {},
    cacheDir: null,
    inlineCacheEntries: 4,
    maxUserGrammars: 3,
    maxSourceBytes: 4096,
    log: () => {},
    ...over,
  });
}
const code = (c: string) => (e: unknown) => (e instanceof EngineError || e instanceof GraphError) && e.code === c;

const PIZZA = '#JSGF V1.0;\ngrammar pizza;\npublic <order> = (a | one) (small | large) pizza [please];\n';

test('put compiles a user grammar, reports its size, and list/resolve/delete see it', async () => {
  const s = store();
  const info = await s.put('pizza', { kind: 'jsgf', text: PIZZA });
  assert.equal(info.name, 'pizza');
  assert.equal(info.origin, 'user');
  assert.equal(info.format, 'jsgf');
  assert.ok(info.compileMs >= 0 && info.states > 0 && info.arcs > 0);
  assert.equal(info.words, 6);
  const row = s.list().find((g) => g.name === 'pizza');
  assert.deepEqual([row?.origin, row?.loaded, row?.states], ['user', true, info.states]);
  assert.ok(s.list().some((g) => g.name === 'en' && g.origin === 'shipped'));
  const r = await s.resolve('pizza');
  assert.equal(r.info.cached, true);
  assert.ok(r.recognizer.graph !== null);
  assert.equal(s.delete('pizza'), true);
  assert.equal(s.delete('pizza'), false);
  await assert.rejects(s.resolve('pizza'), code('ENGINE_GRAMMAR_NOT_FOUND'));
});

test('replacing a user grammar leaves the old recognizer to the sessions holding it', async () => {
  const s = store();
  await s.put('g', { kind: 'words', words: ['yes', 'no'] });
  const old = (await s.resolve('g')).recognizer;
  await s.put('g', { kind: 'words', words: ['up', 'down'] });
  const now = (await s.resolve('g')).recognizer;
  assert.notEqual(old, now);
  assert.equal(old.graph?.words?.numWords, 2);
});

for (const where of ['the calling thread', 'a worker thread'] as const) {
test(`syntax errors come with line and column; other compile errors keep their codes (compiled on ${where})`, async (t) => {
  const s = store(where === 'a worker thread' ? { compiler: new WorkerGrammarCompiler(tokens) } : {});
  t.after(() => s.close());
  await assert.rejects(s.put('bad', { kind: 'jsgf', text: '#JSGF V1.0;\ngrammar g;\npublic <a> = (yes | no;\n' }), (e: unknown) => {
    assert.ok(code('GRAMMAR_SYNTAX')(e));
    assert.equal((e as GraphError).details.line, 3);
    assert.equal(typeof (e as GraphError).details.column, 'number');
    return true;
  });
  await assert.rejects(s.put('bad', { kind: 'phrases', text: 'call mom\nturn on /x/\n' }), (e: unknown) => code('GRAMMAR_SYNTAX')(e) && (e as GraphError).details.line === 2);
  await assert.rejects(s.put('bad', { kind: 'words', words: ['42nd'] }), code('WORD_UNSPELLABLE'));
  await assert.rejects(s.put('bad', { kind: 'jsgf', text: '#JSGF V1.0;\ngrammar g;\npublic <a> = <b>;\n' }), code('GRAMMAR_UNKNOWN_RULE'));
  await assert.rejects(s.put('bad', { kind: 'arpa', text: '\\data\\\nngram 1=x\n' }), (e: unknown) => e instanceof GraphError && e.code.startsWith('ARPA_'));
  assert.equal(s.userCount, 0, 'a failed put stores nothing');
});
}

test('the worker compiler gives the graphs of compiling on the calling thread, frozen in shared memory', async (t) => {
  const compiler = new WorkerGrammarCompiler(tokens);
  t.after(() => compiler.close());
  const sources = [
    { kind: 'jsgf', text: PIZZA },
    { kind: 'phrases', text: 'call mom /2/\ncall dad\nturn on the light\n' },
    { kind: 'words', words: ['yes', 'no', "don't"] },
  ] as const;
  for (const src of sources) {
    const [local, remote] = [compileGrammar(src, tokens), await compiler.compile(src)];
    for (const k of ['finals', 'arcStart', 'ilabel', 'olabel', 'nextstate', 'weight'] as const) {
      assert.deepEqual(remote.tlg[k], local.tlg[k], `${src.kind} ${k}`);
      assert.ok(remote.tlg[k].buffer instanceof SharedArrayBuffer, `${src.kind} ${k} is shared`);
    }
    assert.equal(remote.tlg.startState, local.tlg.startState);
    assert.equal(remote.words.symbols.toText(), local.words.symbols.toText());
    assert.equal(remote.tokens, tokens);
    assert.deepEqual({ ...remote.info, stages: [], totalMs: 0, peakRssKiB: 0 }, { ...local.info, stages: [], totalMs: 0, peakRssKiB: 0 });
  }
  assert.equal(compiler.restarts, 0);
});

test('concurrent requests for one inline grammar share one compile', async (t) => {
  const s = store({ compiler: new WorkerGrammarCompiler(tokens) });
  t.after(() => s.close());
  const g = { kind: 'phrases' as const, text: 'open the door\nclose the door\n' };
  const [a, b] = await Promise.all([s.resolve(g), s.resolve({ ...g })]);
  assert.equal(a.recognizer, b.recognizer);
  assert.equal(s.inlineCount, 1);
  assert.equal((await s.resolve(g)).info.cached, true);
});

test('names, shipped grammars, size and count limits are enforced with their codes', async () => {
  const s = store();
  await assert.rejects(s.put('digits', { kind: 'words', words: ['x'] }), code('ENGINE_GRAMMAR_READONLY'));
  assert.throws(() => s.delete('en'), code('ENGINE_GRAMMAR_READONLY'));
  await assert.rejects(s.put('no spaces', { kind: 'words', words: ['x'] }), code('ENGINE_OPTION'));
  await assert.rejects(s.put('x', { kind: 'phrases', text: 'word '.repeat(2000) }), code('ENGINE_GRAMMAR_TOO_LARGE'));
  await assert.rejects(s.put('x', { kind: 'unknown' } as never), code('ENGINE_OPTION'));
  for (const n of ['a', 'b', 'c']) await s.put(n, { kind: 'words', words: ['yes'] });
  await assert.rejects(s.put('d', { kind: 'words', words: ['yes'] }), code('ENGINE_GRAMMAR_LIMIT'));
  await s.put('a', { kind: 'words', words: ['no'] });
});

test('inline grammars are compiled once per content and share one recognizer', async () => {
  const s = store();
  const a = await s.resolve({ kind: 'phrases', text: 'call mom\ncall dad\n' });
  const b = await s.resolve({ kind: 'phrases', text: 'call mom\ncall dad\n' });
  const c = await s.resolve({ kind: 'phrases', text: 'call mom\n' });
  assert.equal(a.info.cached, false);
  assert.equal(b.info.cached, true);
  assert.equal(a.recognizer, b.recognizer);
  assert.notEqual(a.recognizer, c.recognizer);
  assert.match(a.info.name, /^inline:[0-9a-f]{12}$/);
  assert.equal(a.info.name, b.info.name);
  assert.equal(s.inlineCount, 2);
});

test('shipped grammars load on first use and are kept', async () => {
  const s = store();
  assert.equal(s.list().find((g) => g.name === 'digits')?.loaded, false);
  const a = await s.resolve('digits');
  const b = await s.resolve('digits');
  assert.equal(a.recognizer, b.recognizer);
  assert.equal(a.info.origin, 'shipped');
  assert.equal(a.info.format, 'jsgf');
  assert.equal(s.list().find((g) => g.name === 'digits')?.loaded, true);
  await assert.rejects(s.resolve('klingon'), code('ENGINE_GRAMMAR_NOT_FOUND'));
});
