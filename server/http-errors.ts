// HTTP errors: fastify's own errors mapped to our codes, and the Retry-After hint of capacity errors.

import type { FastifyReply } from 'fastify';
import type { ServerContext } from './context.ts';
import { toWireError, type WireError } from './errors.ts';

/** Sets Retry-After for capacity errors that carry a retry hint. */
export function retryHeader(reply: FastifyReply, details: Record<string, unknown>): void {
  const ms = details.retry_after_ms;
  if (typeof ms === 'number') reply.header('retry-after', String(Math.max(1, Math.ceil(ms / 1000))));
}

/** Fastify's own errors (body too large, bad content type, bad JSON) as our codes; anything else as toWireError. */
export function requestError(err: unknown, ctx: ServerContext, tooLarge: 'UPLOAD_TOO_LARGE' | 'ENGINE_GRAMMAR_TOO_LARGE' = 'UPLOAD_TOO_LARGE'): WireError {
  const code = (err as { code?: unknown }).code;
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        code: tooLarge,
        message: 'the body is too large',
        details: { limit: tooLarge === 'UPLOAD_TOO_LARGE' ? ctx.config.maxUploadBytes : ctx.attached?.config.maxGrammarSourceBytes },
      };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'unsupported Content-Type', details: {} };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { code: 'BAD_REQUEST', message: (err as Error).message, details: {} };
    default:
      if ((err as { statusCode?: number }).statusCode === 400 && typeof code === 'string' && code.startsWith('FST_')) {
        return { code: 'BAD_REQUEST', message: (err as Error).message, details: {} };
      }
      return toWireError(err);
  }
}
