// node:net and node:tls in a browser: a browser reaches MSRP over WebSocket only (RFC 7977).
function unavailable() {
  throw new Error('MSRP over TCP or TLS is not available in a browser: the path must be ;ws');
}

export const connect = unavailable;
export const createServer = unavailable;
