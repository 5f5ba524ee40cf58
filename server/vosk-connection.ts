// /vosk: vosk-server's WebSocket protocol over a LiveStream, so that existing Vosk clients work unchanged.
// As vosk-server does: config messages get no reply; every audio message gets exactly one reply (a result when an
// utterance ended since the last reply, else the current partial); {"eof" : 1} gets the last result, then close.

import type { WebSocket } from 'ws';
import type { Slot } from './admission.ts';
import type { WireError } from './errors.ts';
import { LiveStream, type LiveStreamDeps } from './live-stream.ts';
import type { FinalEvent } from './recognition.ts';
import {
  engineAlternatives,
  parseVoskMessage,
  voskGrammar,
  voskPartial,
  voskResult,
  type VoskSettings,
} from './vosk-protocol.ts';

/** Serves one /vosk connection. The session opens with the first audio (or eof), as vosk-server's recogniser does. */
export function serveVosk(ws: WebSocket, slot: Slot, deps: LiveStreamDeps): LiveStream {
  const settings: VoskSettings = { sampleRate: deps.config.voskSampleRate, words: true, maxAlternatives: 0, phraseList: null, grammar: null };
  let partial = '';
  let finals: FinalEvent[] = [];
  // A non-fatal error rides on the next reply, so that every message still gets exactly one reply.
  let pendingError: WireError | undefined;
  let started = false;

  const reply = (): void => {
    const err = pendingError;
    pendingError = undefined;
    if (finals.length > 0) {
      live.sender.send(voskResult(finals, settings, err));
      finals = [];
    } else {
      live.sender.send(voskPartial(partial, err));
    }
  };

  const start = (then: () => void): void => {
    started = true;
    void live.open(
      {
        sampleRate: settings.sampleRate,
        encoding: 's16le',
        grammar: voskGrammar(settings),
        alternatives: engineAlternatives(settings.maxAlternatives),
        partials: true,
      },
      'fail',
      then,
    );
  };

  const onAudio = (data: Buffer): void => {
    live.audio(data);
    reply();
  };

  const onMessage = (data: Buffer, isBinary: boolean): void => {
    if (live.isFinishing) return;
    if (isBinary) {
      if (!started) start(() => onAudio(data));
      else onAudio(data);
      return;
    }
    let msg;
    try {
      msg = parseVoskMessage(data.toString('utf8'));
    } catch (e) {
      live.reportError(e);
      reply();
      return;
    }
    if (msg.type === 'config') {
      // vosk-server reads config until the recogniser exists and ignores it afterwards; it never replies.
      if (!started) Object.assign(settings, msg.config);
      return;
    }
    if (!started) start(() => live.eof());
    else live.eof();
  };

  const live: LiveStream = new LiveStream(
    ws,
    slot,
    deps,
    'vosk',
    {
      partial: (p) => {
        partial = p.text;
      },
      final: (f) => {
        finals.push(f);
        partial = '';
      },
      grammar: () => {},
      error: (w) => {
        pendingError = w;
      },
      closing: (error) => {
        // The last reply carries the finals not yet sent (Vosk's final result) and, when the stream ends on an
        // error (a limit, a shutdown), that error.
        live.sender.send(voskResult(finals, settings, error ?? pendingError));
        finals = [];
      },
    },
    onMessage,
  );
  return live;
}
