// Bundles @pigeonhole/client for browsers: one ES module, dist/browser/pigeonhole-client.js. The
// client and @pigeonhole/msrp are written for Node; here their Node built-ins come from browser
// implementations (buffer, events, readable-stream, Web Crypto) and the browser's WebSocket.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const here = (path) => fileURLToPath(new URL(`../${path}`, import.meta.url));

await build({
  entryPoints: [here('src/index.ts')],
  outfile: here('dist/browser/pigeonhole-client.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  // Workspace packages from their sources, as the tests use them.
  conditions: ['source'],
  alias: {
    'node:buffer': 'buffer',
    'node:events': 'events',
    'node:stream': 'readable-stream',
    'node:crypto': here('browser/crypto.js'),
    'node:net': here('browser/no-sockets.js'),
    'node:tls': here('browser/no-sockets.js'),
    ws: here('browser/ws.js'),
  },
  inject: [here('browser/globals.js')],
  define: { global: 'globalThis' },
  sourcemap: true,
  logLevel: 'warning',
});
