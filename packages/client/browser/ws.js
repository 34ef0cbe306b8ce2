// The `ws` package in a browser: the browser's own WebSocket; there is no server side.
export const WebSocket = globalThis.WebSocket;

export class WebSocketServer {
  constructor() {
    throw new Error('a browser cannot accept WebSocket connections');
  }
}
