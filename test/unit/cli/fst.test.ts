// `asr fst`: argument handling, text/binary/stdio files, exit codes, and agreement with OpenFst's tools.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fstMain, type FstCliIo } from '../../../cli/fst.ts';
import { arcSort } from '../../../decoder/fst/arc-sort.ts';
import { isBinaryFst } from '../../../decoder/fst/binary-format.ts';
import { compileText, printText } from '../../../decoder/fst/text-format.ts';
import { LogSemiring, TropicalSemiring } from '../../../decoder/fst/semiring.ts';
import { randomFst } from '../../support/random-fst.ts';
import { baseSeed } from '../../support/random.ts';
import { isomorphic, openFstSkipReason, run, status } from '../../support/openfst.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const skip = openFstSkipReason();

interface Result {
  code: number;
  out: string;
  err: string;
}

/** Runs `asr fst …` in this process with captured stdio. */
async function fst(args: string[], stdin = ''): Promise<Result> {
  let out = '';
  let err = '';
  const io: FstCliIo = {
    readStdin: async () => stdin,
    stdout: (t) => (out += t),
    stderr: (t) => (err += t),
  };
  const code = await fstMain(args, io);
  return { code, out, err };
}

/** Runs the real command, `node bin/asr.js fst …`, as a child process. */
function cli(args: string[], stdin?: string): Result {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/asr.js'), 'fst', ...args], { encoding: 'utf8', input: stdin });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** A scratch directory; removed by the returned function. */
function scratch(): { path: (name: string) => string; dispose: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'asr-fst-cli-'));
  return { path: (n) => join(dir, n), dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Library modules some ops need and that may not be written yet: each one's load error, or undefined. */
const LOAD_ERRORS = new Map<string, string | undefined>();
for (const m of ['rm-epsilon', 'compose', 'determinize', 'minimize', 'push', 'shortest-path', 'top-sort', 'equivalent']) {
  const url = new URL(`../../../decoder/fst/${m}.ts`, import.meta.url).href;
  LOAD_ERRORS.set(m, await import(url).then(() => undefined, (e: Error) => e.message.split('\n')[0]));
}

/** Skip reason for a test that needs library modules that cannot be loaded yet, or false. */
function needs(...modules: string[]): string | false {
  const why = modules.map((m) => LOAD_ERRORS.get(m)).filter((e) => e !== undefined);
  return why.length > 0 ? `not available yet: ${why.join('; ')}` : false;
}

const SAMPLE = '0\t1\t1\t2\t0.5\n0\t2\t3\t3\n1\t2\t2\t1\t1.25\n2\t3.5\n';

test('compile then print round-trips text through a binary file', async () => {
  const ws = scratch();
  try {
    writeFileSync(ws.path('a.txt'), SAMPLE);
    assert.equal((await fst(['compile', ws.path('a.txt'), ws.path('a.fst')])).code, 0);
    assert.ok(isBinaryFst(readFileSync(ws.path('a.fst'))), 'output is our binary format');
    const r = await fst(['print', ws.path('a.fst')]);
    assert.equal(r.code, 0);
    assert.equal(r.out, SAMPLE);
  } finally {
    ws.dispose();
  }
});

test('the real command reads stdin and writes stdout as text, and files by their names', () => {
  const ws = scratch();
  try {
    const sorted = cli(['arcsort', '--sort_type', 'olabel', '-'], '0\t1\t1\t3\n0\t1\t2\t1\n1\n');
    assert.equal(sorted.code, 0, sorted.err);
    assert.equal(sorted.out, '0\t1\t2\t1\n0\t1\t1\t3\n1\n');
    assert.equal(cli(['compile', '-', ws.path('b.fst')], SAMPLE).code, 0);
    const printed = cli(['print', ws.path('b.fst'), ws.path('b.txt')]);
    assert.equal(printed.code, 0, printed.err);
    assert.equal(readFileSync(ws.path('b.txt'), 'utf8'), SAMPLE);
  } finally {
    ws.dispose();
  }
});

test('the real command exits 1 on a bad flag and names the error code of a failed read', () => {
  const bad = cli(['arcsort', '--no_such_flag=1', '-'], SAMPLE);
  assert.equal(bad.code, 1);
  const missing = cli(['print', '/nonexistent/x.fst']);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /\bFST_IO\b/);
  const help = cli(['--help']);
  assert.equal(help.code, 0);
  for (const op of ['compile', 'print', 'info', 'compose', 'determinize', 'minimize', 'equivalent']) {
    assert.match(help.out, new RegExp(`^  ${op} `, 'm'));
  }
});

test('usage errors exit 1: unknown op, flag of another op, bad values, missing value, too many files', async () => {
  for (const args of [
    ['frobnicate'],
    [],
    ['arcsort', '--nshortest=2', '-'],
    ['arcsort', '--sort_type=weight', '-'],
    ['shortestpath', '--nshortest=0', '-'],
    ['determinize', '--delta=-1', '-'],
    ['compile', '--isymbols'],
    ['compile', '--acceptor=maybe', '-'],
    ['info', 'a.txt', 'b.txt'],
    ['compose', 'a.txt'],
  ]) {
    const r = await fst(args, SAMPLE);
    assert.equal(r.code, 1, `asr fst ${args.join(' ')}`);
    assert.equal(r.out, '');
  }
});

test('both flag spellings and bare booleans are accepted', async () => {
  const a = await fst(['arcsort', '--sort_type=olabel', '-'], SAMPLE);
  const b = await fst(['arcsort', '--sort_type', 'olabel', '-'], SAMPLE);
  assert.equal(a.code, 0);
  assert.equal(a.out, b.out);
  const acc = '0\t1\t7\t0.5\n1\n';
  const c = await fst(['print', '--acceptor', '-'], acc);
  const d = await fst(['print', '--acceptor', 'true', '-'], acc);
  assert.equal(c.code, 0);
  assert.equal(c.out, acc);
  assert.equal(d.out, acc);
});

test('library errors exit 1 with their code: parse, symbol, format, io', async () => {
  const ws = scratch();
  try {
    writeFileSync(ws.path('junk.fst'), 'definitely not an FST');
    writeFileSync(ws.path('syms.txt'), '<eps> 0\na 1\n');
    const cases: [string[], string, string][] = [
      [['print', '-'], '0 x 1 1\n', 'FST_PARSE'],
      [['compile', `--isymbols=${ws.path('syms.txt')}`, '--acceptor', '-'], '0 1 b\n1\n', 'FST_SYMBOL'],
      [['info', ws.path('junk.fst')], '', 'FST_FORMAT'],
      [['info', ws.path('none.fst')], '', 'FST_IO'],
      [['compile', '-', '/nonexistent/dir/out.fst'], SAMPLE, 'FST_IO'],
    ];
    for (const [args, stdin, code] of cases) {
      const r = await fst(args, stdin);
      assert.equal(r.code, 1, args.join(' '));
      assert.match(r.err, new RegExp(`\\b${code}\\b`), args.join(' '));
    }
  } finally {
    ws.dispose();
  }
});

test('symbol tables label text in and out; kept tables travel in binary files', async () => {
  const ws = scratch();
  try {
    const syms = ws.path('s.syms');
    writeFileSync(syms, '<eps>\t0\nhello\t1\nworld\t2\n');
    const text = '0\t1\thello\tworld\t1.5\n1\n';
    writeFileSync(ws.path('a.txt'), text);
    const flags = [`--isymbols=${syms}`, `--osymbols=${syms}`];
    assert.equal((await fst(['compile', ...flags, '--keep_isymbols', '--keep_osymbols', ws.path('a.txt'), ws.path('k.fst')])).code, 0);
    assert.equal((await fst(['print', ws.path('k.fst')])).out, text);
    assert.equal((await fst(['compile', ...flags, ws.path('a.txt'), ws.path('n.fst')])).code, 0);
    assert.equal((await fst(['print', ws.path('n.fst')])).out, '0\t1\t1\t2\t1.5\n1\n');
    assert.equal((await fst(['print', ...flags, ws.path('n.fst')])).out, text);
  } finally {
    ws.dispose();
  }
});

test('info of a binary file reports a const FST with the same counts', async () => {
  const ws = scratch();
  try {
    writeFileSync(ws.path('a.txt'), SAMPLE);
    await fst(['compile', ws.path('a.txt'), ws.path('a.fst')]);
    const t = (await fst(['info', ws.path('a.txt')])).out.split('\n');
    const b = (await fst(['info', ws.path('a.fst')])).out.split('\n');
    const line = (ls: string[], k: string) => ls.find((l) => l.startsWith(k + ' '));
    assert.match(line(t, 'fst type') ?? '', /vector$/);
    assert.match(line(b, 'fst type') ?? '', /const$/);
    assert.match(line(b, 'mutable') ?? '', /n$/);
    for (const k of ['# of states', '# of arcs', 'initial state', '# of final states', 'weighted', 'cyclic']) {
      assert.equal(line(b, k), line(t, k), k);
    }
  } finally {
    ws.dispose();
  }
});

test('info prints what fstinfo prints, line for line', { skip }, async () => {
  const ws = scratch();
  try {
    const cases: string[] = [SAMPLE, '0\t1\t1\t1\n0\t1\t1\t2\n0\t2\t2\t2\n1\n2\t3\n', '0\t1\t1\t1\n1\t2\t2\t2\n2\n'];
    for (let i = 0; i < 40; i++) {
      const f = randomFst(baseSeed() + 7000 + i, { maxStates: 9, acceptor: i % 3 === 0, cyclic: i % 2 === 0 });
      cases.push(printText(f));
    }
    for (const [i, text] of cases.entries()) {
      const log = i % 5 === 4;
      writeFileSync(ws.path('x.txt'), text);
      const arc = log ? ['--arc_type=log'] : [];
      run('fstcompile', [...arc, ws.path('x.txt'), ws.path('x.fst')]);
      const ours = await fst(['info', ...arc, ws.path('x.txt')]);
      assert.equal(ours.code, 0);
      assert.equal(ours.out, run('fstinfo', [ws.path('x.fst')]), `case ${i}:\n${text}`);
    }
  } finally {
    ws.dispose();
  }
});

/** Runs one op through our CLI and the OpenFst tool on the same text inputs; returns both results' paths. */
async function both(
  ws: ReturnType<typeof scratch>,
  ours: string[],
  tool: string,
  toolArgs: string[],
  inputs: string[],
  semiring = TropicalSemiring,
): Promise<{ ours: string; theirs: string }> {
  const arc = semiring === LogSemiring ? ['--arc_type=log'] : [];
  const txt: string[] = [];
  const bin: string[] = [];
  inputs.forEach((t, k) => {
    txt.push(ws.path(`in${k}.txt`));
    bin.push(ws.path(`in${k}.fst`));
    writeFileSync(txt[k], t);
    run('fstcompile', [...arc, txt[k], bin[k]]);
  });
  const r = await fst([...ours, ...arc, ...txt, ws.path('ours.txt')]);
  assert.equal(r.code, 0, r.err);
  run('fstcompile', [...arc, ws.path('ours.txt'), ws.path('ours.fst')]);
  run(tool, [...toolArgs, ...bin, ws.path('theirs.fst')]);
  return { ours: ws.path('ours.fst'), theirs: ws.path('theirs.fst') };
}

/** One CLI op against its OpenFst tool, up to isomorphism, on a few random FSTs. */
function agreesWithTool(
  name: string,
  ours: string[],
  tool: string,
  toolArgs: string[],
  modules: string[],
  make: (i: number) => string[],
  count = 8,
): void {
  test(`${name} agrees with ${tool}`, { skip: skip || needs(...modules) }, async () => {
    const ws = scratch();
    try {
      for (let i = 0; i < count; i++) {
        const r = await both(ws, ours, tool, toolArgs, make(i));
        assert.ok(isomorphic(r.ours, r.theirs), `${name} case ${i}:\n${make(i).join('\n--\n')}`);
      }
    } finally {
      ws.dispose();
    }
  });
}

const rnd = (i: number, opts: Parameters<typeof randomFst>[1] = {}) =>
  printText(randomFst(baseSeed() + 8000 + i, { maxStates: 7, ...opts }));

agreesWithTool('arcsort --sort_type=olabel', ['arcsort', '--sort_type=olabel'], 'fstarcsort', ['--sort_type=olabel'], [], (i) => [rnd(i)]);
agreesWithTool('connect', ['connect'], 'fstconnect', [], [], (i) => [rnd(i)]);
agreesWithTool('project --project_type=output', ['project', '--project_type=output'], 'fstproject', ['--project_type=output'], [], (i) => [rnd(i)]);
agreesWithTool('invert', ['invert'], 'fstinvert', [], [], (i) => [rnd(i)]);
agreesWithTool('rmepsilon', ['rmepsilon'], 'fstrmepsilon', [], ['rm-epsilon'], (i) => [rnd(i, { cyclic: false })]);
agreesWithTool('compose', ['compose'], 'fstcompose', [], ['compose'], (i) => [
  printText(randomFst(baseSeed() + 8100 + i, { maxStates: 5 })),
  iSorted(rnd(i + 50)),
]);
agreesWithTool('determinize', ['determinize'], 'fstdeterminize', [], ['determinize'], (i) => [
  rnd(i, { acceptor: true, cyclic: false, epsilonProb: 0 }),
]);
agreesWithTool('minimize', ['minimize'], 'fstminimize', [], ['minimize'], (i) => [dfa(i)]);
agreesWithTool('push --to_final', ['push', '--to_final'], 'fstpush', ['--push_weights', '--to_final'], ['push'], (i) => [
  rnd(i, { cyclic: false }),
]);
// Hand-made inputs whose paths all have distinct weights, so that the n best are unambiguous.
const PATHS = [
  '0\t1\t1\t1\t1\n0\t1\t2\t2\t2\n0\t1\t3\t3\t3.5\n1\t2\t1\t1\t0.25\n1\t2\t2\t2\t0.125\n2\n',
  '0\t1\t1\t2\t0.5\n0\t2\t2\t1\t0.75\n1\t2\t3\t3\t0.0625\n1\t1.5\n2\t0.25\n',
];
agreesWithTool('shortestpath --nshortest=3', ['shortestpath', '--nshortest=3'], 'fstshortestpath', ['--nshortest=3'], ['shortest-path'], (i) => [PATHS[i]], PATHS.length);
agreesWithTool('topsort', ['topsort'], 'fsttopsort', [], ['top-sort'], (i) => [rnd(i, { cyclic: false })]);

/** AT&T text of an FST with its arcs sorted by input label (so that compose's precondition holds for fst2). */
function iSorted(text: string): string {
  const f = compileText(text);
  arcSort(f, 'ilabel');
  return printText(f);
}

/** A deterministic weighted acceptor as text: a random acyclic one, determinized by fstdeterminize. */
function dfa(i: number): string {
  const ws = scratch();
  try {
    writeFileSync(ws.path('a.txt'), rnd(i, { acceptor: true, cyclic: false, epsilonProb: 0, maxStates: 8 }));
    run('fstcompile', [ws.path('a.txt'), ws.path('a.fst')]);
    run('fstdeterminize', [ws.path('a.fst'), ws.path('d.fst')]);
    return run('fstprint', [ws.path('d.fst')]);
  } finally {
    ws.dispose();
  }
}

test('shortestdistance prints what fstshortestdistance prints', { skip: skip || needs('shortest-distance') }, async () => {
  const ws = scratch();
  try {
    for (let i = 0; i < 10; i++) {
      for (const reverse of [false, true]) {
        const text = rnd(i, { cyclic: i % 2 === 0 });
        writeFileSync(ws.path('a.txt'), text);
        run('fstcompile', [ws.path('a.txt'), ws.path('a.fst')]);
        const flags = reverse ? ['--reverse'] : [];
        const ours = await fst(['shortestdistance', ...flags, ws.path('a.txt')]);
        assert.equal(ours.code, 0, ours.err);
        const theirs = run('fstshortestdistance', [...flags, ws.path('a.fst')]);
        const parse = (s: string) => s.trim().split('\n').filter(Boolean).map((l) => l.split('\t').map(Number));
        const a = parse(ours.out);
        const b = parse(theirs);
        assert.equal(a.length, b.length, `case ${i}\n${ours.out}\n--\n${theirs}`);
        a.forEach((row, k) => assert.ok(Math.abs(row[1] - b[k][1]) < 1e-3 || row[1] === b[k][1], `case ${i} state ${k}`));
      }
    }
  } finally {
    ws.dispose();
  }
});

test('equivalent exits 0 and 2 as fstequivalent does', { skip: skip || needs('equivalent') }, async () => {
  const ws = scratch();
  try {
    const a = '0\t1\t1\t1\t0.5\n1\t1.5\n';
    const b = '0\t1\t1\t1\t1\n1\t1\n';
    const c = '0\t1\t1\t1\t0.5\n1\t1.6\n';
    for (const [x, y] of [[a, b], [a, c], [a, a]]) {
      writeFileSync(ws.path('x.txt'), x);
      writeFileSync(ws.path('y.txt'), y);
      run('fstcompile', [ws.path('x.txt'), ws.path('x.fst')]);
      run('fstcompile', [ws.path('y.txt'), ws.path('y.fst')]);
      const ours = await fst(['equivalent', ws.path('x.txt'), ws.path('y.txt')]);
      assert.equal(ours.code, status('fstequivalent', [ws.path('x.fst'), ws.path('y.fst')]).code);
    }
  } finally {
    ws.dispose();
  }
});
