// The grammar registry: names and files, errors, and the disk cache of cached grammars (hit, invalidation, fallbacks).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { FstError } from '../../../decoder/fst/errors.ts';
import { GraphError } from '../../../decoder/graph/errors.ts';
import { graphHash, type CompiledGraph } from '../../../decoder/graph/tlg.ts';
import { DEFAULT_TOKENS, TokenTable } from '../../../decoder/graph/tokens.ts';
import {
  DEFAULT_GRAMMAR,
  DEFAULT_GRAPH_CACHE_DIR,
  GRAMMARS_DIR,
  SHIPPED_GRAMMARS,
  isShippedGrammar,
  isShippedGrammarCached,
  listShippedGrammars,
  loadShippedGrammar,
  prepareGrammars,
  readShippedGrammarSource,
  shippedGrammar,
  type ShippedGrammarOptions,
} from '../../../grammars/registry.ts';

function codeIs(code: string) {
  return (e: unknown) => (e instanceof GraphError || e instanceof FstError) && e.code === code;
}

test('the registry lists the five shipped grammars, en by default, each with its source file', () => {
  const list = listShippedGrammars();
  assert.deepEqual(list.map((g) => g.name).sort(), ['commands', 'digit', 'digits', 'en', 'yesno']);
  assert.equal(DEFAULT_GRAMMAR, 'en');
  for (const g of list) {
    assert.ok(existsSync(join(GRAMMARS_DIR, g.file)), g.file);
    assert.ok(isShippedGrammar(g.name));
    assert.equal(shippedGrammar(g.name), g);
    // Only the LM takes long enough to build to be worth a disk cache.
    assert.equal(g.cached, g.name === 'en', g.name);
  }
  assert.ok(Object.isFrozen(SHIPPED_GRAMMARS) && SHIPPED_GRAMMARS.every((g) => Object.isFrozen(g)));
  assert.equal(DEFAULT_GRAPH_CACHE_DIR, join(GRAMMARS_DIR, '..', '.cache', 'graphs'));
});

test('the committed LM is the 20k trigram and stays within 4 MB', async () => {
  const path = join(GRAMMARS_DIR, shippedGrammar('en').file);
  assert.ok(statSync(path).size <= 4 * 1024 * 1024);
  const source = await readShippedGrammarSource('en');
  assert.equal(source.kind, 'arpa');
  const head = (source as { text: string }).text.slice(0, 2000);
  assert.match(head, /ngram 1=20002\s+ngram 2=253940\s+ngram 3=126058/);
});

test('unknown grammar names and options are GRAPH_OPTION', async () => {
  assert.ok(!isShippedGrammar('klingon'));
  assert.throws(() => shippedGrammar('klingon'), codeIs('GRAPH_OPTION'));
  await assert.rejects(loadShippedGrammar('klingon'), codeIs('GRAPH_OPTION'));
  await assert.rejects(loadShippedGrammar('digit', { cache: true } as ShippedGrammarOptions), codeIs('GRAPH_OPTION'));
  await assert.rejects(prepareGrammars(['digit', 'klingon']), codeIs('GRAPH_OPTION'));
  await assert.rejects(isShippedGrammarCached('klingon'), codeIs('GRAPH_OPTION'));
});

test('a missing source file is FST_IO', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'grammars-'));
  try {
    await assert.rejects(loadShippedGrammar('digits', { grammarsDir: dir, cacheDir: null }), codeIs('FST_IO'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A small trigram-free LM in the place of en.arpa.gz, so that the cache path runs in milliseconds. */
function tinyArpa(helloLogprob = -0.5): string {
  return `\\data\\
ngram 1=5
ngram 2=4

\\1-grams:
-1.0\t</s>
-99\t<s>\t-0.3
${helloLogprob.toFixed(2)}\thello\t-0.2
-0.7\tworld\t-0.2
-0.9\tthere\t-0.2

\\2-grams:
-0.2\t<s> hello
-0.3\thello world
-0.4\thello there
-0.1\tworld </s>

\\end\\
`;
}

/** A temporary grammars directory (a copy of the small sources and a tiny en.arpa.gz) and cache directory. */
function sandbox(): { grammarsDir: string; cacheDir: string; lines: string[]; opts: ShippedGrammarOptions; dispose(): void } {
  const root = mkdtempSync(join(tmpdir(), 'grammars-'));
  const grammarsDir = join(root, 'grammars');
  const cacheDir = join(root, 'cache');
  mkdirSync(grammarsDir, { recursive: true });
  for (const g of SHIPPED_GRAMMARS) if (g.name !== 'en') copyFileSync(join(GRAMMARS_DIR, g.file), join(grammarsDir, g.file));
  writeFileSync(join(grammarsDir, 'en.arpa.gz'), gzipSync(tinyArpa()));
  const lines: string[] = [];
  return {
    grammarsDir,
    cacheDir,
    lines,
    opts: { grammarsDir, cacheDir, onProgress: (l) => lines.push(l) },
    dispose: () => rmSync(root, { recursive: true, force: true }),
  };
}

function sameGraph(a: CompiledGraph, b: CompiledGraph): void {
  assert.equal(a.info.hash, b.info.hash);
  assert.equal(a.tlg.numStates(), b.tlg.numStates());
  assert.equal(a.tlg.numArcsTotal(), b.tlg.numArcsTotal());
  assert.equal(a.tlg.start(), b.tlg.start());
  for (const k of ['arcStart', 'ilabel', 'olabel', 'nextstate', 'weight', 'finals'] as const) {
    assert.deepEqual(a.tlg[k], b.tlg[k], k);
  }
  assert.deepEqual(a.words.words(), b.words.words());
  assert.equal(a.tokens.fingerprint(), b.tokens.fingerprint());
}

test('a cached grammar is built once, then loaded from the disk cache as the identical graph', async () => {
  const sb = sandbox();
  try {
    assert.equal(await isShippedGrammarCached('en', sb.opts), false);
    const [first] = await prepareGrammars(['en'], sb.opts);
    assert.equal(first.origin, 'built');
    assert.equal(sb.lines.length, 2, 'a line before and a line after the build');
    assert.ok(sb.lines.every((l) => l.includes('en')));
    assert.ok(existsSync(join(sb.cacheDir, first.hash as string, 'meta.json')));
    assert.equal(await isShippedGrammarCached('en', sb.opts), true);

    const built = await loadShippedGrammar('en', { ...sb.opts, cacheDir: null });
    const [again] = await prepareGrammars(['en'], sb.opts);
    assert.equal(again.origin, 'cache');
    const loaded = await loadShippedGrammar('en', sb.opts);
    sameGraph(loaded, built);
    assert.equal(loaded.info.hash, graphHash(await readShippedGrammarSource('en', sb.grammarsDir), TokenTable.default()));
  } finally {
    sb.dispose();
  }
});

test('a changed source, or other tokens, miss the cache and build a new graph', async () => {
  const sb = sandbox();
  try {
    const [a] = await prepareGrammars(['en'], sb.opts);
    writeFileSync(join(sb.grammarsDir, 'en.arpa.gz'), gzipSync(tinyArpa(-0.6)));
    assert.equal(await isShippedGrammarCached('en', sb.opts), false);
    const [b] = await prepareGrammars(['en'], sb.opts);
    assert.equal(b.origin, 'built');
    assert.notEqual(b.hash, a.hash);
    const noApostrophe = new TokenTable(DEFAULT_TOKENS.filter((t) => t !== "'"));
    assert.equal(await isShippedGrammarCached('en', { ...sb.opts, tokens: noApostrophe }), false);
    const [c] = await prepareGrammars(['en'], { ...sb.opts, tokens: noApostrophe });
    assert.equal(c.origin, 'built');
    assert.notEqual(c.hash, b.hash);
  } finally {
    sb.dispose();
  }
});

test('the same text compressed differently, or a source index pointing at a deleted graph, still find or rebuild it', async () => {
  const sb = sandbox();
  try {
    const [a] = await prepareGrammars(['en'], sb.opts);
    // Other gzip bytes, same text: the source index misses, the content hash hits.
    const recompressed = gzipSync(tinyArpa(), { level: 1 });
    assert.notDeepEqual(recompressed, gzipSync(tinyArpa()));
    writeFileSync(join(sb.grammarsDir, 'en.arpa.gz'), recompressed);
    const [b] = await prepareGrammars(['en'], sb.opts);
    assert.equal(b.origin, 'cache');
    assert.equal(b.hash, a.hash);
    // The graph directory removed: the index points nowhere, so the graph is rebuilt under the same hash.
    rmSync(join(sb.cacheDir, a.hash as string), { recursive: true });
    assert.equal(await isShippedGrammarCached('en', sb.opts), false);
    const [c] = await prepareGrammars(['en'], sb.opts);
    assert.equal(c.origin, 'built');
    assert.equal(c.hash, a.hash);
    // A damaged graph file is rebuilt, not fatal.
    writeFileSync(join(sb.cacheDir, a.hash as string, 'TLG.fst'), 'garbage');
    const [d] = await prepareGrammars(['en'], sb.opts);
    assert.equal(d.origin, 'built');
  } finally {
    sb.dispose();
  }
});

test('a cache directory that cannot be written still yields the graph, with a progress line saying so', async () => {
  const sb = sandbox();
  try {
    const blocker = join(sb.grammarsDir, 'not-a-directory');
    writeFileSync(blocker, '');
    const cacheDir = join(blocker, 'graphs');
    const graph = await loadShippedGrammar('en', { ...sb.opts, cacheDir });
    assert.ok(graph.tlg.numStates() > 0);
    assert.equal(sb.lines.length, 3, sb.lines.join('\n'));
    assert.ok(!existsSync(cacheDir));
  } finally {
    sb.dispose();
  }
});

test('concurrent loads of one cached grammar share a single build', async () => {
  const sb = sandbox();
  try {
    const [a, b] = await Promise.all([loadShippedGrammar('en', sb.opts), loadShippedGrammar('en', sb.opts)]);
    assert.equal(a, b);
    assert.equal(sb.lines.length, 2);
  } finally {
    sb.dispose();
  }
});

test('small grammars are compiled at each load and never written to the cache', async () => {
  const sb = sandbox();
  try {
    const prepared = await prepareGrammars(['digit', 'yesno', 'digits', 'commands'], sb.opts);
    assert.deepEqual(prepared.map((p) => p.origin), ['compiled', 'compiled', 'compiled', 'compiled']);
    assert.ok(prepared.every((p) => p.states > 0 && p.arcs > 0 && p.hash !== undefined));
    assert.equal(await isShippedGrammarCached('commands', sb.opts), false);
    assert.ok(!existsSync(sb.cacheDir) || readdirSync(sb.cacheDir).length === 0);
    assert.deepEqual(sb.lines, []);
  } finally {
    sb.dispose();
  }
});

test('prepareGrammars processes every shipped grammar by default', async () => {
  const sb = sandbox();
  try {
    const prepared = await prepareGrammars(undefined, sb.opts);
    assert.deepEqual(prepared.map((p) => p.name), SHIPPED_GRAMMARS.map((g) => g.name));
    assert.equal(prepared.find((p) => p.name === 'en')?.origin, 'built');
  } finally {
    sb.dispose();
  }
});
