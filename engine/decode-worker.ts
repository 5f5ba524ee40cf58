// A decode worker thread: rebuilds shared graphs, runs sessions' searches (DecoderCore), answers in order.

import { parentPort, workerData } from 'node:worker_threads';
import type { Recognizer } from '../decoder/search/recognizer.ts';
import { DecoderCore, recognizerFromShared, type DecodeWorkerData, type FromWorker, type GraphRef, type ToWorker } from './decoder-pool.ts';
import { errorData } from './errors.ts';

const port = parentPort;
if (port === null) throw new Error('decode-worker.ts runs in a worker thread (see WorkerDecoderHost)');
const { decoder } = workerData as DecodeWorkerData;

const graphs = new Map<number, Recognizer>();
const sessions = new Map<number, DecoderCore>();
const resolve = (g: GraphRef): Recognizer => {
  const r = typeof g === 'number' ? graphs.get(g) : g;
  if (r === undefined) throw new Error(`graph ${String(g)} was not shipped to this worker`);
  return r;
};
const post = (m: FromWorker): void => port.postMessage(m);

port.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'graph': {
      const t0 = performance.now();
      graphs.set(m.gid, recognizerFromShared(m.graph, decoder));
      post({ type: 'graph', gid: m.gid, ms: performance.now() - t0 });
      return;
    }
    case 'drop':
      graphs.delete(m.gid);
      return;
    case 'open':
      try {
        sessions.set(m.sid, new DecoderCore(resolve(m.gid), m.opts));
      } catch (e) {
        post({ type: 'reply', sid: m.sid, reply: { op: 'error', of: 'frames', error: errorData(e), ms: 0 } });
      }
      return;
    case 'req': {
      const core = sessions.get(m.sid);
      if (core !== undefined) post({ type: 'reply', sid: m.sid, reply: core.handle(m.req, resolve) });
      return;
    }
    case 'close':
      sessions.delete(m.sid);
      return;
  }
});
post({ type: 'ready' });
