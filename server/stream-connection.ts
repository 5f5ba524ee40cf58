// /v1/stream: the native WebSocket protocol over a LiveStream (settings, JSON control messages, JSON results).

import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import type { Slot } from './admission.ts';
import { ServerError } from './errors.ts';
import { LiveStream, type LiveStreamDeps } from './live-stream.ts';
import type { SessionOptions } from './recognition.ts';
import {
  EOF_MESSAGE,
  errorMessage,
  finalMessage,
  grammarMessage,
  parseClientMessage,
  partialMessage,
  readyMessage,
  sessionChangeFields,
} from './stream-protocol.ts';

/**
 * Serves one /v1/stream connection with `options` from the upgrade URL (already checked). Sends `ready` once the
 * session is open, then results as they come. Returns the LiveStream (Admission drains it).
 */
export function serveStream(ws: WebSocket, slot: Slot, options: SessionOptions, deps: LiveStreamDeps): LiveStream {
  const id = randomUUID();
  let current = options;
  let eofSeen = false;
  const model = deps.recognition.model;
  const ready = (): string => readyMessage(id, current, model, deps.config.grammar);

  const onMessage = (data: Buffer, isBinary: boolean): void => {
    if (live.isFinishing) {
      if (eofSeen) live.reportError(new ServerError('STREAM_ENDED', 'nothing may follow eof'));
      return;
    }
    if (isBinary) {
      live.audio(data);
      return;
    }
    const msg = parseClientMessage(data.toString('utf8'));
    switch (msg.type) {
      case 'config': {
        const next: SessionOptions = { ...current, ...msg.options };
        const changed = sessionChangeFields(current, next);
        if (changed.length === 0) {
          live.sender.send(ready());
          return;
        }
        if (live.audioStarted) {
          live.reportError(
            new ServerError('CONFIG_AFTER_AUDIO', 'session options are fixed once audio has been sent (a grammar message swaps grammars)', {
              fields: changed,
            }),
          );
          return;
        }
        void live.open(next, 'report', () => {
          current = next;
          live.sender.send(ready());
        });
        return;
      }
      case 'grammar':
        live.setGrammar(msg.grammar, msg.restartUtterance);
        return;
      case 'finalize':
        live.finalize();
        return;
      case 'eof':
        eofSeen = true;
        live.eof();
        return;
    }
  };

  const live: LiveStream = new LiveStream(
    ws,
    slot,
    deps,
    'stream',
    {
      partial: (p) => {
        if (current.partials !== false) live.sender.sendDroppable(partialMessage(p));
      },
      final: (f) => live.sender.send(finalMessage(f)),
      grammar: (g) => live.sender.send(grammarMessage(g)),
      error: (w) => live.sender.send(errorMessage(w.code, w.message, w.details)),
      closing: (error) => live.sender.send(error === null ? EOF_MESSAGE : errorMessage(error.code, error.message, error.details)),
    },
    onMessage,
  );

  void live.open(current, 'fail', () => live.sender.send(ready()));
  return live;
}
