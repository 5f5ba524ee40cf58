// Grammar routes: GET /v1/grammars, GET|PUT|DELETE /v1/grammars/:name. Compiled graphs are shared by every stream
// and cached by content in the engine's grammar store.

import type { FastifyInstance } from 'fastify';
import type { ServerContext } from './context.ts';
import { EngineError } from '../engine/errors.ts';
import { ServerError } from './errors.ts';
import type { GrammarSource } from './recognition.ts';

/** Source types a PUT accepts (the `type` query parameter), and the Content-Types that imply them. */
export type GrammarSourceType = 'jsgf' | 'phrases' | 'words' | 'arpa';

const CONTENT_TYPES: Record<string, GrammarSourceType> = {
  'application/jsgf': 'jsgf',
  'application/x-jsgf': 'jsgf',
  'text/jsgf': 'jsgf',
  'text/x-jsgf': 'jsgf',
  'application/x-arpa': 'arpa',
  'text/x-arpa': 'arpa',
  'text/arpa': 'arpa',
  'text/plain': 'phrases',
};

const TYPES: readonly GrammarSourceType[] = ['jsgf', 'phrases', 'words', 'arpa'];

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

/**
 * The grammar source of a PUT body. The type comes from `?type=` (jsgf | phrases | words | arpa), else from the
 * Content-Type (application/jsgf, text/x-arpa, text/plain → phrases, one a line; text/plain starting with
 * "#JSGF" → jsgf), or a JSON body {"jsgf": "...", "root"?} | {"phrases": [...]} | {"words": [...]} | {"arpa": "..."}.
 * Throws BAD_REQUEST, UNSUPPORTED_MEDIA_TYPE.
 */
export function grammarSourceOf(body: string, contentType: string | undefined, type: unknown): GrammarSource {
  const media = mediaType(contentType);
  if (type === undefined && media === 'application/json') return jsonSource(body);
  let t: GrammarSourceType | undefined;
  if (type !== undefined) {
    if (typeof type !== 'string' || !(TYPES as readonly string[]).includes(type)) {
      throw new ServerError('BAD_REQUEST', `type must be one of ${TYPES.join(', ')}`, { field: 'type', value: type });
    }
    t = type as GrammarSourceType;
  } else {
    t = CONTENT_TYPES[media];
    if (t === undefined) {
      throw new ServerError('UNSUPPORTED_MEDIA_TYPE', 'send JSGF (application/jsgf), ARPA (text/x-arpa), a phrase list (text/plain) or JSON, or say ?type=', {
        contentType: media,
      });
    }
    if (t === 'phrases' && /^\s*#JSGF/.test(body)) t = 'jsgf';
  }
  if (t === 'words') return { kind: 'words', words: body.split(/\s+/).filter((w) => w !== '') };
  return { kind: t, text: body };
}

function jsonSource(body: string): GrammarSource {
  let o: unknown;
  try {
    o = JSON.parse(body);
  } catch {
    throw new ServerError('BAD_REQUEST', 'the body is not valid JSON', { field: 'body' });
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new ServerError('BAD_REQUEST', 'the body must be a JSON object', { field: 'body' });
  const j = o as Record<string, unknown>;
  const strings = (v: unknown, f: string): string[] => {
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new ServerError('BAD_REQUEST', `"${f}" must be an array of strings`, { field: f });
    return v as string[];
  };
  if (typeof j.jsgf === 'string') return typeof j.root === 'string' ? { kind: 'jsgf', text: j.jsgf, root: j.root } : { kind: 'jsgf', text: j.jsgf };
  if (j.phrases !== undefined) return { kind: 'phrases', text: strings(j.phrases, 'phrases').join('\n') };
  if (j.words !== undefined) return { kind: 'words', words: strings(j.words, 'words') };
  if (typeof j.arpa === 'string') return { kind: 'arpa', text: j.arpa };
  throw new ServerError('BAD_REQUEST', 'a JSON grammar has "jsgf", "phrases", "words" or "arpa"', { field: 'body' });
}

/** Registers the grammar routes in a scope whose body parser reads text, up to the engine's grammar size limit. */
export async function grammarRoutes(app: FastifyInstance, opts: { ctx: ServerContext; maxGrammarBytes: number }): Promise<void> {
  const { ctx, maxGrammarBytes } = opts;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: maxGrammarBytes }, (_req, body, done) => done(null, body));

  app.get('/v1/grammars', async () => {
    const engine = ctx.recognition();
    return { default: engine.config.defaultGrammar, grammars: engine.grammars.list() };
  });

  app.get('/v1/grammars/:name', async (req) => {
    const { name } = req.params as { name: string };
    const g = ctx.recognition().grammars.list().find((x) => x.name === name);
    if (g === undefined) throw new EngineError('ENGINE_GRAMMAR_NOT_FOUND', `no grammar "${name}"`, { name });
    return g;
  });

  app.put('/v1/grammars/:name', { bodyLimit: maxGrammarBytes }, async (req, reply) => {
    const engine = ctx.recognition();
    const { name } = req.params as { name: string };
    const query = req.query as Record<string, unknown>;
    for (const k of Object.keys(query)) {
      if (k !== 'type' && k !== 'token') throw new ServerError('BAD_REQUEST', `unknown query parameter "${k}"`, { field: k });
    }
    const body = typeof req.body === 'string' ? req.body : '';
    if (body.trim() === '') throw new ServerError('BAD_REQUEST', 'the grammar source is empty', { field: 'body' });
    const source = grammarSourceOf(body, req.headers['content-type'], query.type);
    const existed = engine.grammars.list().some((g) => g.name === name && g.origin === 'user');
    const info = await engine.grammars.put(name, source);
    if (!info.cached) ctx.metrics.grammarCompile.observe({ source: 'put' }, info.compileMs / 1000);
    return reply.code(existed ? 200 : 201).send({
      name: info.name,
      format: info.format,
      origin: info.origin,
      compile_ms: Math.round(info.compileMs * 10) / 10,
      cached: info.cached,
      states: info.states,
      arcs: info.arcs,
      words: info.words,
      hash: info.hash,
    });
  });

  app.delete('/v1/grammars/:name', async (req, reply) => {
    const { name } = req.params as { name: string };
    if (!ctx.recognition().grammars.delete(name)) throw new EngineError('ENGINE_GRAMMAR_NOT_FOUND', `no user grammar "${name}"`, { name });
    return reply.code(204).send();
  });
}
