// Close frames that `ws` sends on its own (a message over maxPayload, a broken frame) made to carry our reason.

import type { WebSocket } from 'ws';

/**
 * ws closes a connection by itself when the client breaks a limit or the protocol: 1009 for a message larger than
 * `maxPayload` (checked from the frame header, before the payload is buffered), 1002 or 1007 for a malformed frame.
 * It does so with an empty reason and before it emits 'error', so no listener can tell the client why. This wraps
 * that one call on `ws`: `explain(code)` runs first, while the socket is still open (the dialect sends its error
 * message there), and returns the reason of the close frame (our error code). Closes that carry a reason (ours)
 * and the echo of a client's close frame pass through unchanged. O(1).
 */
export function explainProtocolCloses(ws: WebSocket, explain: (code: number) => string): void {
  const close = ws.close.bind(ws);
  ws.close = (code?: number, reason?: string | Buffer): void => {
    // ws's own protocol-error close is the only call with a code and no reason (a client's close is echoed with one,
    // or with neither for a close frame without a code).
    if (code !== undefined && reason === undefined && ws.readyState === ws.OPEN) close(code, explain(code));
    else close(code, reason);
  };
}
