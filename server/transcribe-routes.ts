// HTTP batch recognition: POST /v1/transcribe (raw WAV or PCM body) and POST /v1/audio/transcriptions
// (OpenAI-compatible multipart form), both limited by maxUploadBytes and counted against maxStreams.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sessionOptionsFromWire } from '../engine/config.ts';
import type { ServerContext } from './context.ts';
import { ServerError, statusOf } from './errors.ts';
import { requestError, retryHeader } from './http-errors.ts';
import type { Protocol } from './metrics.ts';
import { multipartBoundary, parseMultipart, type FormPart } from './multipart.ts';
import { formatTranscription, openAiErrorBody, parseGranularities, parseResponseFormat } from './openai-format.ts';
import type { GrammarSpec, TranscribeOptions, TranscribeResult } from './recognition.ts';

/** Languages the model transcribes (OpenAI's `language` field: ISO-639-1, or a name). */
const LANGUAGES = new Set(['en', 'english']);

/** Query parameters of POST /v1/transcribe. */
const TRANSCRIBE_QUERY = ['grammar', 'sample_rate', 'encoding', 'channels', 'alternatives', 'endpoint', 'token'];

function sec3(t: number): number {
  return Math.round(t * 1000) / 1000;
}

/** Runs one transcription inside an admission slot, with its metrics. */
async function transcribe(ctx: ServerContext, protocol: Protocol, body: Buffer, opts: TranscribeOptions): Promise<TranscribeResult> {
  const engine = ctx.recognition();
  const slot = ctx.admission.acquire('transcribe');
  ctx.metrics.sessionsTotal.inc({ protocol });
  ctx.metrics.activeStreams.inc({ protocol });
  try {
    const r = await engine.transcribe(body, opts);
    ctx.metrics.audioSeconds.inc({ protocol }, r.durationSec);
    if (r.durationSec > 0) ctx.metrics.requestRealTimeFactor.observe({ protocol }, r.rtf);
    return r;
  } finally {
    ctx.metrics.activeStreams.dec({ protocol });
    slot.release();
  }
}

function requireBody(body: unknown): Buffer {
  if (!Buffer.isBuffer(body) || body.length === 0) throw new ServerError('BAD_REQUEST', 'the request has no audio body', { field: 'body' });
  return body;
}

/**
 * Transcription options from /v1/transcribe's query: grammar, alternatives, endpoint, and for headerless PCM
 * sample_rate (default the model's), encoding (default s16le) and channels. Checked by the engine's wire parser.
 */
export function transcribeOptionsFromQuery(query: Record<string, unknown>, modelSampleRate: number): TranscribeOptions {
  for (const k of Object.keys(query)) {
    if (!TRANSCRIBE_QUERY.includes(k)) throw new ServerError('BAD_REQUEST', `unknown query parameter "${k}"`, { field: k });
  }
  const { token: _token, ...wire } = query;
  const o = sessionOptionsFromWire(wire);
  const out: TranscribeOptions = {
    raw: { encoding: o.encoding ?? 's16le', sampleRate: o.sampleRate ?? modelSampleRate, channels: o.channels ?? 1 },
  };
  if (o.grammar !== undefined) out.grammar = o.grammar;
  if (o.alternatives !== undefined) out.alternatives = o.alternatives;
  if (o.endpoint !== undefined) out.endpoint = o.endpoint;
  return out;
}

/** The JSON of POST /v1/transcribe. */
export function transcribeBody(r: TranscribeResult, modelName: string): Record<string, unknown> {
  return {
    text: r.text,
    duration: sec3(r.durationSec),
    processing_sec: sec3(r.processingSec),
    model: modelName,
    grammar: r.grammar,
    words: r.words.map((w) => ({ word: w.word, start: sec3(w.start), end: sec3(w.end), confidence: sec3(w.confidence) })),
    segments: r.segments.map((s) => ({
      result: s.code,
      text: s.text,
      start: sec3(s.start),
      end: sec3(s.end),
      ...(s.alternatives === undefined ? {} : { alternatives: s.alternatives }),
    })),
  };
}

function field(parts: FormPart[], name: string): string | undefined {
  const p = parts.find((x) => x.name === name && x.filename === undefined);
  return p === undefined ? undefined : p.data.toString('utf8').trim();
}

/** Registers both routes in an encapsulated scope whose only body parser reads raw bytes. */
export async function transcribeRoutes(app: FastifyInstance, opts: { ctx: ServerContext }): Promise<void> {
  const { ctx } = opts;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: ctx.config.maxUploadBytes }, (_req, body, done) => done(null, body));
  // Refuse before reading a body of up to maxUploadBytes that could not be served anyway.
  app.addHook('onRequest', async () => {
    ctx.recognition();
    const refusal = ctx.admission.refusal();
    if (refusal !== null) throw refusal;
  });

  app.post('/v1/transcribe', { bodyLimit: ctx.config.maxUploadBytes }, async (req: FastifyRequest, reply: FastifyReply) => {
    const engine = ctx.recognition();
    const opts = transcribeOptionsFromQuery(req.query as Record<string, unknown>, engine.model.sampleRate);
    const r = await transcribe(ctx, 'transcribe', requireBody(req.body), opts);
    return reply.send(transcribeBody(r, engine.model.name));
  });

  // OpenAI's error shape on its route, so that OpenAI SDKs surface our codes and messages.
  app.register(async (openai) => {
    openai.setErrorHandler((err, _req, reply) => {
      const w = requestError(err, ctx);
      const status = statusOf(w.code).http;
      if (status >= 500 && status !== 503) openai.log.error({ err }, 'transcription failed');
      ctx.metrics.error(w.code);
      retryHeader(reply, w.details);
      return reply.code(status).send(openAiErrorBody(w.code, w.message, status, typeof w.details.field === 'string' ? w.details.field : null));
    });
    openai.post('/v1/audio/transcriptions', { bodyLimit: ctx.config.maxUploadBytes }, async (req, reply) => {
      const parts = parseMultipart(requireBody(req.body), multipartBoundary(req.headers['content-type']));
      const file = parts.find((p) => p.name === 'file');
      if (file === undefined || file.data.length === 0) {
        throw new ServerError('MULTIPART_INVALID', 'the form needs a non-empty "file" part', { reason: 'no file', field: 'file' });
      }
      const format = parseResponseFormat(field(parts, 'response_format'));
      const granularities = parseGranularities(
        parts.filter((p) => p.name === 'timestamp_granularities[]' || p.name === 'timestamp_granularities').map((p) => p.data.toString('utf8').trim()),
      );
      const language = field(parts, 'language');
      if (language !== undefined && language !== '' && !LANGUAGES.has(language.toLowerCase().split(/[-_]/)[0])) {
        throw new ServerError('UNSUPPORTED_LANGUAGE', `the model transcribes English only, not "${language}"`, {
          field: 'language',
          language,
          supported: ['en'],
        });
      }
      const grammar = field(parts, 'grammar');
      const opts: TranscribeOptions = {};
      if (grammar !== undefined && grammar !== '') opts.grammar = grammar as GrammarSpec;
      // `model`, `prompt` and `temperature` are accepted and ignored: one model serves every request.
      const r = await transcribe(ctx, 'openai', file.data, opts);
      const out = formatTranscription(
        { text: r.text, durationSec: r.durationSec, segments: r.segments, words: r.words },
        format,
        granularities,
      );
      return reply.type(out.contentType).send(out.body);
    });
  });
}
