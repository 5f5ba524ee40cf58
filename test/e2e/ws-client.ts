// A WebSocket test client: collects JSON messages, waits for one that matches, reports the close code and reason.

import WebSocket from 'ws';

export type Msg = Record<string, unknown>;

export class TestClient {
  readonly messages: Msg[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: Array<{ pred: (m: Msg) => boolean; resolve: (m: Msg) => void }> = [];
  private seen = 0;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d: Buffer) => {
      const m = JSON.parse(d.toString()) as Msg;
      this.messages.push(m);
      for (const w of [...this.waiters]) {
        if (w.pred(m)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(m);
        }
      }
    });
    this.closed = new Promise((res) => ws.on('close', (code: number, reason: Buffer) => res({ code, reason: reason.toString() })));
    ws.on('error', () => {});
  }

  /** Opens a connection (headers optional); resolves once open. */
  static connect(url: string, headers: Record<string, string> = {}): Promise<TestClient> {
    const ws = new WebSocket(url, { headers });
    const c = new TestClient(ws);
    return new Promise((res, rej) => {
      ws.once('open', () => res(c));
      ws.once('error', rej);
    });
  }

  /**
   * The first message after the previously awaited one (in arrival order) that matches `pred`. Rejects after
   * `timeoutMs` with the messages seen so far.
   */
  next(pred: (m: Msg) => boolean = () => true, timeoutMs = 10000): Promise<Msg> {
    for (let i = this.seen; i < this.messages.length; i++) {
      if (pred(this.messages[i])) {
        this.seen = i + 1;
        return Promise.resolve(this.messages[i]);
      }
    }
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no matching message in ${timeoutMs} ms; got ${JSON.stringify(this.messages)}`)), timeoutMs);
      t.unref();
      this.waiters.push({
        pred,
        resolve: (m) => {
          clearTimeout(t);
          this.seen = this.messages.length;
          resolve(m);
        },
      });
    });
  }

  /** Waits for a message of this type (native protocol). */
  nextType(type: string, timeoutMs?: number): Promise<Msg> {
    return this.next((m) => m.type === type, timeoutMs);
  }

  send(data: string | Buffer | Msg): void {
    this.ws.send(typeof data === 'string' || Buffer.isBuffer(data) ? data : JSON.stringify(data));
  }

  /** Sends `bytes` in chunks of the given sizes, cycling through them, pausing `gapMs` between chunks. */
  async sendChunks(bytes: Buffer, sizes: readonly number[], gapMs = 0): Promise<number> {
    let n = 0;
    for (let off = 0, i = 0; off < bytes.length; i++) {
      const size = sizes[i % sizes.length];
      this.ws.send(bytes.subarray(off, off + size));
      off += size;
      n++;
      if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
    }
    return n;
  }

  /** Close code and reason, failing after `timeoutMs`. */
  async closeInfo(timeoutMs = 10000): Promise<{ code: number; reason: string }> {
    let t: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, rej) => {
      t = setTimeout(() => rej(new Error(`not closed in ${timeoutMs} ms; got ${JSON.stringify(this.messages)}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.closed, timeout]);
    } finally {
      clearTimeout(t);
    }
  }

  types(): string[] {
    return this.messages.map((m) => String(m.type));
  }
}
