// MSRP over TLS (msrps) on loopback, with a self-signed certificate made for the test by openssl.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MsrpServer, connectMsrp, type IncomingMessage } from './index.js';

describe('msrps', () => {
  let dir = '';
  const server = new MsrpServer({
    resolveSession: () =>
      Promise.resolve({
        onData: (_message: IncomingMessage, offset: number, data: Buffer) =>
          void data.copy(received, offset),
        onComplete: () => undefined,
      }),
  });
  const received = Buffer.alloc(300_000);
  let port = 0;
  let cert: Buffer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'msrps-'));
    await promisify(execFile)('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ]);
    cert = await readFile(join(dir, 'cert.pem'));
    const key = await readFile(join(dir, 'key.pem'));
    port = (await server.listenTcp({ host: '127.0.0.1', port: 0, tls: { key, cert } })).port;
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('moves a message over TLS', async () => {
    const uri = `msrps://localhost:${port}/secure1;tcp`;
    const connection = await connectMsrp(uri, { tls: { ca: cert, host: '127.0.0.1' } });
    expect(connection.transport.kind).toBe('tls');
    const body = randomBytes(received.length);
    await connection.send({
      toPath: [uri],
      fromPath: ['msrps://localhost:9/c1;tcp'],
      contentType: 'application/octet-stream',
      body,
    });
    expect(received.equals(body)).toBe(true);
    await connection.close();
  });
});
