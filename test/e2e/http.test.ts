// HTTP end to end: POST /v1/transcribe (WAV and raw PCM), the OpenAI-compatible endpoint in every response format,
// and the grammar routes (list, put with compile errors located, use, replace, delete).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildMultipart } from '../../server/multipart.ts';
import { SPEECH_PCM, SPEECH_WAV, batchText, checkTranscript, speechAt, startServer, type Running } from './harness.ts';
import { TestClient } from './ws-client.ts';

let srv: Running;
before(async () => {
  srv = await startServer();
});
after(async () => {
  await srv.close();
});

type Json = Record<string, unknown>;

async function post(path: string, body: Buffer | string, contentType: string): Promise<{ status: number; json: Json; text: string; headers: Headers }> {
  const r = await fetch(`${srv.http}${path}`, { method: 'POST', body, headers: { 'content-type': contentType } });
  const text = await r.text();
  let json: Json = {};
  try {
    json = JSON.parse(text) as Json;
  } catch {
    // not JSON (text, srt, vtt)
  }
  return { status: r.status, json, text, headers: r.headers };
}

function openai(fields: Record<string, string | string[]>, file: Buffer | null = SPEECH_WAV) {
  const parts: Array<{ name: string; value: string | Buffer; filename?: string; contentType?: string }> = [];
  if (file !== null) parts.push({ name: 'file', value: file, filename: 'speech.wav', contentType: 'audio/wav' });
  for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) parts.push({ name: k, value: x });
  const { body, contentType } = buildMultipart(parts);
  return post('/v1/audio/transcriptions', body, contentType);
}

test('POST /v1/transcribe takes WAV, or raw PCM described by the query', async (t) => {
  const wav = await post('/v1/transcribe?grammar=digits', SPEECH_WAV, 'audio/wav');
  assert.equal(wav.status, 200);
  assert.equal(wav.json.duration, 3.509);
  assert.equal(wav.json.grammar, 'digits');
  assert.ok(Array.isArray(wav.json.words) && Array.isArray(wav.json.segments));
  const raw = await post('/v1/transcribe', SPEECH_PCM, 'application/octet-stream');
  assert.equal(raw.status, 200);
  assert.equal(raw.json.text, wav.json.text);
  const f32 = await post('/v1/transcribe?sample_rate=44100&encoding=f32le', speechAt(44100, 'f32le'), 'application/octet-stream');
  assert.equal(f32.status, 200);
  assert.ok(Math.abs((f32.json.duration as number) - 3.509) < 0.01);
  await checkTranscript(t, srv.engine, 'WAV', () => String(wav.json.text), () => batchText(srv.engine, SPEECH_PCM));
  await checkTranscript(t, srv.engine, '44.1 kHz f32le', () => String(f32.json.text));
});

test('POST /v1/transcribe refuses bad audio and bad parameters with their codes', async () => {
  const cases: Array<[string, Buffer, number, string]> = [
    ['/v1/transcribe', Buffer.from('RIFF\0\0\0\0WAVEjunk'), 400, 'AUDIO_TRUNCATED'],
    ['/v1/transcribe', SPEECH_PCM.subarray(0, 1001), 400, 'AUDIO_MISALIGNED'],
    ['/v1/transcribe?sample_rate=7', SPEECH_PCM, 400, 'AUDIO_BAD_RATE'],
    ['/v1/transcribe?grammar=klingon', SPEECH_WAV, 404, 'ENGINE_GRAMMAR_NOT_FOUND'],
    ['/v1/transcribe?lang=en', SPEECH_WAV, 400, 'BAD_REQUEST'],
    ['/v1/transcribe', Buffer.alloc(0), 400, 'BAD_REQUEST'],
  ];
  for (const [path, body, status, code] of cases) {
    const r = await post(path, body, 'application/octet-stream');
    assert.equal(r.status, status, `${path}: ${r.text}`);
    assert.equal(r.json.code, code, path);
  }
});

test('POST /v1/audio/transcriptions answers in each OpenAI response format', async (t) => {
  const json = await openai({ model: 'whisper-1' });
  assert.equal(json.status, 200);
  assert.deepEqual(Object.keys(json.json), ['text']);
  const text = await openai({ model: 'whisper-1', response_format: 'text' });
  assert.match(text.headers.get('content-type') ?? '', /^text\/plain/);
  assert.equal(text.text, `${json.json.text}\n`);
  const srt = await openai({ model: 'whisper-1', response_format: 'srt', grammar: 'digits' });
  assert.equal(srt.status, 200);
  assert.match(srt.text, /^(1\n\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}\n.+\n\n)?/);
  const vtt = await openai({ model: 'whisper-1', response_format: 'vtt', language: 'en' });
  assert.match(vtt.text, /^WEBVTT\n\n/);
  const verbose = await openai({ model: 'whisper-1', response_format: 'verbose_json', 'timestamp_granularities[]': ['word', 'segment'] });
  assert.equal(verbose.json.task, 'transcribe');
  assert.equal(verbose.json.duration, 3.509);
  assert.ok(Array.isArray(verbose.json.words) && Array.isArray(verbose.json.segments));
  const words = await openai({ model: 'whisper-1', response_format: 'verbose_json', 'timestamp_granularities[]': 'word' });
  assert.equal(words.json.segments, undefined);
  await checkTranscript(t, srv.engine, 'json', () => String(json.json.text), () => batchText(srv.engine, SPEECH_PCM));
  await checkTranscript(t, srv.engine, 'srt', () => srt.text.split('\n').filter((l, i) => i % 4 === 2).join(' '));
});

test('OpenAI-route errors come in OpenAI\'s error shape with our codes', async () => {
  const cases: Array<[Promise<Awaited<ReturnType<typeof post>>>, number, string]> = [
    [openai({ model: 'whisper-1' }, null), 400, 'MULTIPART_INVALID'],
    [openai({ model: 'whisper-1', response_format: 'xml' }), 400, 'BAD_REQUEST'],
    [openai({ model: 'whisper-1', language: 'fr' }), 400, 'UNSUPPORTED_LANGUAGE'],
    [openai({ model: 'whisper-1' }, Buffer.from('not audio at all')), 400, 'AUDIO_MALFORMED'],
    [post('/v1/audio/transcriptions', '{"file":1}', 'application/json'), 415, 'UNSUPPORTED_MEDIA_TYPE'],
  ];
  for (const [p, status, code] of cases) {
    const r = await p;
    assert.equal(r.status, status, r.text);
    const e = r.json.error as Json;
    assert.equal(e.code, code);
    assert.equal(typeof e.message, 'string');
    assert.equal(e.type, 'invalid_request_error');
  }
});

const PIZZA = '#JSGF V1.0;\ngrammar pizza;\npublic <order> = ( one | two | three ) ( seven | nine ) [ please ];\n';

test('grammars: list, put (compile time, size), use by name in HTTP and WebSocket, replace, delete', async () => {
  const list = (await (await fetch(`${srv.http}/v1/grammars`)).json()) as { default: string; grammars: Json[] };
  assert.equal(list.default, 'digits');
  assert.deepEqual(
    list.grammars.filter((g) => g.origin === 'shipped').map((g) => g.name).sort(),
    ['commands', 'digit', 'digits', 'en', 'yesno'],
  );
  const put = await fetch(`${srv.http}/v1/grammars/pizza`, { method: 'PUT', body: PIZZA, headers: { 'content-type': 'application/jsgf' } });
  assert.equal(put.status, 201);
  const info = (await put.json()) as Json;
  assert.equal(info.name, 'pizza');
  assert.equal(info.format, 'jsgf');
  assert.ok((info.states as number) > 0 && (info.arcs as number) > 0 && typeof info.compile_ms === 'number');
  const again = await fetch(`${srv.http}/v1/grammars/pizza`, { method: 'PUT', body: 'one seven\ntwo nine', headers: { 'content-type': 'text/plain' } });
  assert.equal(again.status, 200);
  assert.equal(((await again.json()) as Json).format, 'phrases');
  const one = (await (await fetch(`${srv.http}/v1/grammars/pizza`)).json()) as Json;
  assert.equal(one.origin, 'user');
  const tr = await post('/v1/transcribe?grammar=pizza', SPEECH_WAV, 'audio/wav');
  assert.equal(tr.status, 200);
  assert.equal(tr.json.grammar, 'pizza');
  const c = await TestClient.connect(`${srv.ws}/v1/stream?grammar=pizza`);
  assert.equal((await c.nextType('ready')).grammar, 'pizza');
  c.send({ type: 'eof' });
  assert.equal((await c.closeInfo()).code, 1000);
  assert.equal((await fetch(`${srv.http}/v1/grammars/pizza`, { method: 'DELETE' })).status, 204);
  const gone = await fetch(`${srv.http}/v1/grammars/pizza`, { method: 'DELETE' });
  assert.equal(gone.status, 404);
  assert.equal(((await gone.json()) as Json).code, 'ENGINE_GRAMMAR_NOT_FOUND');
  assert.equal((await fetch(`${srv.http}/v1/grammars/pizza`)).status, 404);
});

test('grammar errors: syntax with line and column, shipped names read-only, bad types and names', async () => {
  const put = (name: string, body: string, ct: string) => fetch(`${srv.http}/v1/grammars/${name}`, { method: 'PUT', body, headers: { 'content-type': ct } });
  const syntax = await put('broken', '#JSGF V1.0;\ngrammar b;\npublic <a> = one ( two | three ;\n', 'application/jsgf');
  assert.equal(syntax.status, 422);
  const e = (await syntax.json()) as Json;
  assert.equal(e.code, 'GRAMMAR_SYNTAX');
  assert.equal(e.line, 3);
  assert.equal(typeof e.column, 'number');
  const arpa = await put('lm', '\\data\\\nngram 1=2\n\n\\1-grams:\n-1.0 hello\n', 'text/x-arpa');
  assert.equal(arpa.status, 422);
  assert.match(String(((await arpa.json()) as Json).code), /^ARPA_/);
  const shipped = await put('digits', 'one', 'text/plain');
  assert.equal(shipped.status, 409);
  assert.equal(((await shipped.json()) as Json).code, 'ENGINE_GRAMMAR_READONLY');
  assert.equal((await fetch(`${srv.http}/v1/grammars/digits`, { method: 'DELETE' })).status, 409);
  const media = await put('x', 'one', 'image/png');
  assert.equal(media.status, 415);
  assert.equal(((await media.json()) as Json).code, 'UNSUPPORTED_MEDIA_TYPE');
  const name = await put('bad%20name', 'one', 'text/plain');
  assert.equal(name.status, 400);
  assert.equal(((await name.json()) as Json).code, 'ENGINE_OPTION');
  const empty = await put('e', '  ', 'text/plain');
  assert.equal(((await empty.json()) as Json).code, 'BAD_REQUEST');
});

/** `n` (≤ 8000) distinct three-word phrases of 20 words, every one spellable by the model's letters. */
function manyPhrases(n: number): string[] {
  const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima', 'mike', 'november', 'oscar', 'papa', 'quebec', 'romeo', 'sierra', 'tango'];
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(`${words[i % 20]} ${words[Math.floor(i / 20) % 20]} ${words[Math.floor(i / 400) % 20]}`);
  return out;
}

test('a large grammar compiles off the event loop: /healthz and streams are answered meanwhile; errors keep line and column', async (t) => {
  // Event-loop stalls, from a 5 ms timer; and /healthz round trips, one after another, while the PUT runs.
  let maxGapMs = 0;
  let last = performance.now();
  const probe = setInterval(() => {
    const now = performance.now();
    maxGapMs = Math.max(maxGapMs, now - last);
    last = now;
  }, 5);
  const phrases = manyPhrases(8000);
  let putDone = false;
  const put = fetch(`${srv.http}/v1/grammars/alphabet`, { method: 'PUT', body: JSON.stringify({ phrases }), headers: { 'content-type': 'application/json' } }).finally(() => {
    putDone = true;
  });
  // A stream opened and used while the grammar compiles.
  const c = await TestClient.connect(`${srv.ws}/v1/stream?grammar=digits`);
  await c.nextType('ready');
  c.send(SPEECH_PCM.subarray(0, 16000));
  c.send({ type: 'finalize' });
  await c.nextType('final');
  const streamAnsweredDuringCompile = !putDone;
  let health = 0;
  let worstHealthMs = 0;
  while (!putDone) {
    const t0 = performance.now();
    assert.equal((await fetch(`${srv.http}/healthz`)).status, 200);
    worstHealthMs = Math.max(worstHealthMs, performance.now() - t0);
    if (!putDone) health++;
  }
  clearInterval(probe);
  const r = await put;
  const body = (await r.json()) as Json;
  assert.equal(r.status, 201, JSON.stringify(body));
  assert.equal(body.words, 20);
  const compileMs = body.compile_ms as number;
  const report = `compile ${compileMs} ms, ${health} /healthz answered during it (worst ${worstHealthMs.toFixed(0)} ms), loop stall ${maxGapMs.toFixed(0)} ms`;
  t.diagnostic(report);
  assert.ok(compileMs >= 200, `the grammar must take a while to compile for this test to mean anything: ${report}`);
  assert.ok(streamAnsweredDuringCompile, `the stream's final came only after the compile: ${report}`);
  assert.ok(health >= 3, report);
  assert.ok(maxGapMs < compileMs / 3 && worstHealthMs < compileMs / 2, report);
  c.send({ type: 'eof' });
  assert.equal((await c.closeInfo()).code, 1000);
  assert.equal((await fetch(`${srv.http}/v1/grammars/alphabet`, { method: 'DELETE' })).status, 204);

  // Compile errors from the compile thread keep their codes and positions, over HTTP and on a stream.
  const bad = await fetch(`${srv.http}/v1/grammars/bad`, { method: 'PUT', body: '#JSGF V1.0;\ngrammar b;\n\npublic <a> = one | <nothing>;\n', headers: { 'content-type': 'application/jsgf' } });
  assert.equal(bad.status, 422);
  assert.deepEqual(pick((await bad.json()) as Json, ['code', 'line', 'column']), { code: 'GRAMMAR_UNKNOWN_RULE', line: 4, column: 20 });
  const s = await TestClient.connect(`${srv.ws}/v1/stream`);
  await s.nextType('ready');
  s.send({ type: 'grammar', jsgf: '#JSGF V1.0;\ngrammar b;\npublic <a> = one ) two;\n' });
  const err = await s.nextType('error');
  assert.deepEqual(pick(err, ['code', 'line']), { code: 'GRAMMAR_SYNTAX', line: 3 });
  assert.equal(typeof err.column, 'number');
  s.send({ type: 'eof' });
  assert.equal((await s.closeInfo()).code, 1000);
});

function pick(o: Json, keys: string[]): Json {
  return Object.fromEntries(keys.map((k) => [k, o[k]]));
}
