// The model worker thread: loads the acoustic model, keeps sessions' acoustic streams, runs batches in call order.

import { parentPort } from 'node:worker_threads';
import { AcousticModel, type AcousticStream, type LogProbBlock } from '../models/acoustic-model.ts';
import { errorData } from './errors.ts';
import type { FromModelWorker, ToModelWorker } from './model-host.ts';

const port = parentPort;
if (port === null) throw new Error('model-worker.ts runs in a worker thread (see WorkerModelHost)');

/** The model once loaded; messages that come before wait for it, in order. */
let model: Promise<AcousticModel> | null = null;
const streams = new Map<number, AcousticStream>();
const post = (m: FromModelWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);

/** Runs not yet answered: the thread may end only once they are (see WorkerThread.stop). */
const inFlight = new Set<Promise<void>>();

function run(mdl: AcousticModel, m: Extract<ToModelWorker, { type: 'run' }>): void {
  const p = runBatch(mdl, m).finally(() => inFlight.delete(p));
  inFlight.add(p);
}

/** After the runs in flight: `quit` ends the thread normally, `crash` with an uncaught exception. */
function end(how: 'quit' | 'crash'): void {
  void Promise.allSettled([...inFlight]).then(() => {
    if (how === 'quit') process.exit(0);
    setImmediate(() => {
      throw new Error('model worker: crash requested (fault injection)');
    });
  });
}

async function runBatch(mdl: AcousticModel, m: Extract<ToModelWorker, { type: 'run' }>): Promise<void> {
  try {
    const ss = m.sids.map((sid) => {
      let s = streams.get(sid);
      if (s === undefined) {
        s = mdl.createStream();
        streams.set(sid, s);
      }
      return s;
    });
    const blocks = m.chunks === null ? await mdl.finishBatch(ss) : await mdl.runBatch(ss, m.chunks);
    // Each block views the batch's output tensor: copy its own frames out, then transfer the copies.
    const out: LogProbBlock[] = blocks.map((b) => ({ ...b, data: b.data.slice() }));
    post(
      { type: 'done', call: m.call, blocks: out, error: null, runs: mdl.runs, streamsRun: mdl.streamsRun },
      out.map((b) => b.data.buffer as ArrayBuffer),
    );
  } catch (e) {
    post({ type: 'done', call: m.call, blocks: null, error: errorData(e), runs: mdl.runs, streamsRun: mdl.streamsRun });
  }
}

function handle(mdl: AcousticModel, m: Exclude<ToModelWorker, { type: 'load' }>): void {
  switch (m.type) {
    case 'create':
      streams.set(m.sid, mdl.createStream());
      return;
    case 'release':
      streams.delete(m.sid);
      return;
    case 'run':
      // AcousticModel queues its calls, so runs keep the order of the messages.
      run(mdl, m);
      return;
    case 'quit':
    case 'crash':
      end(m.type);
      return;
  }
}

port.on('message', (m: ToModelWorker) => {
  if (m.type === 'load') {
    model = AcousticModel.load(m.dir, m.options);
    model.then(
      (loaded) => post({ type: 'loaded', card: loaded.card, cardPath: loaded.cardPath, chunkSamples: loaded.chunkSamples, options: { ...loaded.options } }),
      (e: unknown) => post({ type: 'load-failed', error: errorData(e) }),
    );
    return;
  }
  if (model === null) {
    if (m.type === 'quit' || m.type === 'crash') return end(m.type);
    throw new Error(`model worker: "${m.type}" before "load"`);
  }
  // Reactions to one promise run in the order they were added: the messages keep their order.
  model.then(
    (mdl) => handle(mdl, m),
    () => {},
  );
});
