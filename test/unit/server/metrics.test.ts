// Metrics: engine histograms exported as Prometheus histograms, transport counters, process metrics.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServerMetrics, histogramSamples } from '../../../server/metrics.ts';
import type { EngineStats } from '../../../server/recognition.ts';

test('a snapshot becomes cumulative buckets in seconds with +Inf, sum and count', () => {
  const s = histogramSamples('h', { bounds: [10, 100], counts: [1, 2, 3], count: 6, sum: 900 }, 1e-3, { after: 'eof' });
  assert.deepEqual(
    s.map((x) => [x.metricName, x.labels.le ?? '', x.value]),
    [
      ['h_bucket', 0.01, 1],
      ['h_bucket', 0.1, 3],
      ['h_bucket', '+Inf', 6],
      ['h_sum', '', 0.9],
      ['h_count', '', 6],
    ],
  );
  assert.equal(s[0].labels.after, 'eof');
});

const hist = (n: number) => ({ bounds: [1, 2], counts: [n, 0, 0], count: n, sum: n, max: 1 });

function stats(): EngineStats {
  return {
    activeSessions: 1,
    sessionsStarted: 2,
    audioSec: 10,
    modelSec: 0.5,
    decodeSec: 0.5,
    processingSec: 1,
    rtf: 0.1,
    queueDepth: 3,
    queuedAudioSec: 0.2,
    modelRuns: 4,
    streamsRun: 8,
    meanBatch: 2,
    batchSize: hist(4),
    firstPartialMs: hist(1),
    finalAfterSpeechMs: hist(2),
    finalAfterEofMs: hist(3),
    loopBlockMs: hist(5),
    workerRestarts: { model: 1, decode: 2, compile: 0 },
    userGrammars: 1,
    inlineGrammars: 0,
  };
}

test('the exposition has transport metrics, engine metrics once attached, and process metrics', async () => {
  const m = new ServerMetrics();
  m.error('BAD_MESSAGE');
  m.audioSeconds.inc({ protocol: 'stream' }, 1.5);
  let text = (await m.render()).body;
  assert.match(text, /asr_errors_total\{code="BAD_MESSAGE"\} 1/);
  assert.match(text, /asr_audio_seconds_total\{protocol="stream"\} 1.5/);
  assert.match(text, /asr_active_streams\{protocol="vosk"\} 0/);
  assert.match(text, /process_cpu_seconds_total/);
  assert.doesNotMatch(text, /asr_queue_depth \d/);
  m.setEngineStats(stats);
  text = (await m.render()).body;
  assert.match(text, /# TYPE asr_batch_size histogram/);
  assert.match(text, /asr_batch_size_count 4/);
  assert.match(text, /asr_final_latency_seconds_count\{after="speech"\} 2/);
  assert.match(text, /asr_final_latency_seconds_count\{after="eof"\} 3/);
  assert.match(text, /asr_time_to_first_partial_seconds_bucket\{le="0.001"\} 1/);
  assert.match(text, /asr_queue_depth 3/);
  assert.match(text, /asr_real_time_factor 0.1/);
  assert.match(text, /asr_grammars\{kind="user"\} 1/);
  assert.match(text, /# TYPE asr_worker_restarts_total counter/);
  assert.match(text, /asr_worker_restarts_total\{kind="model"\} 1/);
  assert.match(text, /asr_worker_restarts_total\{kind="decode"\} 2/);
  assert.match(text, /asr_worker_restarts_total\{kind="compile"\} 0/);
});

test('two servers in one process keep separate registries', async () => {
  const a = new ServerMetrics();
  const b = new ServerMetrics();
  a.error('X');
  assert.doesNotMatch((await b.render()).body, /code="X"/);
});
