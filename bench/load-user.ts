// One simulated client of the load benchmark: streams utterances over /v1/stream in real time and measures
// time to first partial and final latency after eof.

import WebSocket from 'ws';

/** Measurements of one utterance. */
export interface UtteranceStats {
  /** From the first audio sent to the first partial with text, ms (NaN when none came). */
  firstPartialMs: number;
  /** From eof sent to the eof message (every final delivered), ms. */
  finalAfterEofMs: number;
  /** How late the client sent its chunks against the real-time schedule, worst case, ms. */
  sendLagMs: number;
  errors: string[];
}

const sleepUntil = (t: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, t - performance.now())));

/** Opens a socket and resolves after `ready`. Rejects on close or error before it. */
function open(url: string): Promise<{ ws: WebSocket; messages: Array<(m: Record<string, unknown>) => void> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const handlers: Array<(m: Record<string, unknown>) => void> = [];
    ws.on('message', (d: Buffer) => {
      const m = JSON.parse(d.toString()) as Record<string, unknown>;
      if (m.type === 'ready') resolve({ ws, messages: handlers });
      for (const h of handlers) h(m);
    });
    ws.on('error', reject);
    ws.on('close', (code, reason) => reject(new Error(`closed ${code} ${reason.toString()}`)));
  });
}

/**
 * Streams one utterance (s16le PCM at 16 kHz) in real time in `chunkMs` pieces on a new connection, then eof, and
 * waits for the server's eof. Cost on the client: one send per chunk, one JSON parse per message.
 */
export async function streamUtterance(url: string, pcm: Buffer, chunkMs: number): Promise<UtteranceStats> {
  const { ws, messages } = await open(url);
  const errors: string[] = [];
  let firstPartialAt = NaN;
  let eofAt = NaN;
  const done = new Promise<void>((resolve) => {
    messages.push((m) => {
      if (m.type === 'partial' && Number.isNaN(firstPartialAt) && m.text !== '') firstPartialAt = performance.now();
      else if (m.type === 'error') errors.push(String(m.code));
      else if (m.type === 'eof') {
        eofAt = performance.now();
        resolve();
      }
    });
    ws.on('close', () => resolve());
  });
  const bytesPerChunk = (16000 * 2 * chunkMs) / 1000;
  const t0 = performance.now();
  let lag = 0;
  for (let off = 0; off < pcm.length; off += bytesPerChunk) {
    const due = t0 + off / 32;
    await sleepUntil(due);
    lag = Math.max(lag, performance.now() - due);
    ws.send(pcm.subarray(off, off + bytesPerChunk));
  }
  // The last chunk covers audio up to its end; eof goes when that much real time has passed.
  await sleepUntil(t0 + (pcm.length / 32000) * 1000);
  const eofSent = performance.now();
  ws.send('{"type":"eof"}');
  await done;
  ws.close();
  return {
    firstPartialMs: firstPartialAt - t0,
    finalAfterEofMs: Number.isNaN(eofAt) ? NaN : eofAt - eofSent,
    sendLagMs: lag,
    errors: Number.isNaN(eofAt) && errors.length === 0 ? ['CLOSED'] : errors,
  };
}

/** One continuous stream for `seconds`, utterances back to back (the soak test); returns the finals received. */
export async function continuousStream(url: string, utterances: readonly Buffer[], offset: number, chunkMs: number, seconds: number): Promise<{ finals: number; errors: string[] }> {
  const { ws, messages } = await open(url);
  const errors: string[] = [];
  let finals = 0;
  messages.push((m) => {
    if (m.type === 'final') finals++;
    else if (m.type === 'error') errors.push(String(m.code));
  });
  const bytesPerChunk = (16000 * 2 * chunkMs) / 1000;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  let sent = 0;
  for (let u = offset; performance.now() < end; u++) {
    const pcm = utterances[u % utterances.length];
    for (let off = 0; off < pcm.length && performance.now() < end; off += bytesPerChunk) {
      // Real time: a chunk goes once the audio before it has "happened".
      await sleepUntil(t0 + sent / 32);
      if (ws.readyState !== WebSocket.OPEN) return { finals, errors: [...errors, 'CLOSED'] };
      const chunk = pcm.subarray(off, off + bytesPerChunk);
      ws.send(chunk);
      sent += chunk.length;
    }
  }
  ws.send('{"type":"eof"}');
  await new Promise<void>((r) => ws.on('close', () => r()));
  return { finals, errors };
}
