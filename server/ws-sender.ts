// Sending on a WebSocket with backpressure: droppable messages are skipped while a slow reader's buffer is full,
// and a reader that lets maxSendBufferBytes pile up is cut off.

/** The part of a `ws` WebSocket the sender uses. */
export interface SendSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: string): void;
}

const OPEN = 1;

/** Per-connection send policy. O(1) per message. */
export class WsSender {
  private overflowed = false;

  /**
   * `maxBufferedBytes`: config.maxSendBufferBytes. `onOverflow` is called once when the socket's buffer exceeds
   * it (the caller closes the stream with SLOW_CONSUMER).
   */
  constructor(
    private readonly socket: SendSocket,
    private readonly maxBufferedBytes: number,
    private readonly onOverflow: () => void,
  ) {}

  /** Bytes above which droppable messages are skipped: an eighth of the limit. */
  get dropThresholdBytes(): number {
    return this.maxBufferedBytes / 8;
  }

  /** Sends a message that must arrive (ready, final, grammar, error, eof). False if the socket is not open. */
  send(text: string): boolean {
    if (this.socket.readyState !== OPEN) return false;
    this.socket.send(text);
    this.checkOverflow();
    return true;
  }

  /**
   * Sends a message that a later one supersedes (a partial result), unless the reader is behind. False when it
   * was skipped or the socket is not open.
   */
  sendDroppable(text: string): boolean {
    if (this.socket.readyState !== OPEN || this.socket.bufferedAmount > this.dropThresholdBytes) return false;
    this.socket.send(text);
    this.checkOverflow();
    return true;
  }

  private checkOverflow(): void {
    if (!this.overflowed && this.socket.bufferedAmount > this.maxBufferedBytes) {
      this.overflowed = true;
      this.onOverflow();
    }
  }
}
