// MSRP benchmarks, each against a baseline measured in the same run:
//   1. decoder MB/s on 64 KiB-chunk SEND traffic vs a plain Buffer.indexOf scan of the same bytes;
//   2. loopback session transfer MB/s (MsrpConnection.send → MsrpServer) vs a raw net socket pipe;
//   3. peak RSS of the process during the session transfer.
// Usage: pnpm --filter @pigeonhole/msrp bench [--mb 1024]
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, connect, type AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { MsrpDecoder, MsrpServer, connectMsrp, encodeRequest } from '../src/index.js';

const { values } = parseArgs({
  options: { mb: { type: 'string', default: '1024' }, runs: { type: 'string', default: '3' } },
});
const BYTES = Number(values.mb) * 1024 * 1024;
const RUNS = Number(values.runs);
const CHUNK = 64 * 1024;
const PASSES = 32;
const block = randomBytes(CHUNK);
const seconds = (since: bigint): number => Number(process.hrtime.bigint() - since) / 1e9;
const median = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/** 8 MiB of SEND chunks as they arrive from a socket, in 64 KiB reads. */
function traffic(): Buffer[] {
  const wire = Buffer.concat(
    Array.from({ length: 128 }, (_, i) =>
      Buffer.concat(
        encodeRequest({
          transactionId: `t${String(i).padStart(8, '0')}`,
          method: 'SEND',
          toPath: ['msrp://127.0.0.1:2855/s;tcp'],
          fromPath: ['msrp://127.0.0.1:9/c;tcp'],
          headers: [
            ['Message-ID', 'm'],
            ['Byte-Range', `${i * CHUNK + 1}-${(i + 1) * CHUNK}/*`],
          ],
          contentType: 'application/octet-stream',
          body: block,
          flag: '+',
        }),
      ),
    ),
  );
  const reads: Buffer[] = [];
  for (let at = 0; at < wire.length; at += CHUNK) reads.push(wire.subarray(at, at + CHUNK));
  return reads;
}

function decoderRate(reads: Buffer[]): { decoder: number; indexOf: number } {
  const total = reads.reduce((n, r) => n + r.length, 0) / 1e6;
  const needle = Buffer.from('\r\n-------t00000001');
  let found = 0;
  let since = process.hrtime.bigint();
  for (let pass = 0; pass < PASSES; pass++)
    for (const read of reads) found += read.indexOf(needle) === -1 ? 0 : 1;
  const indexOf = (PASSES * total) / seconds(since);
  since = process.hrtime.bigint();
  for (let pass = 0; pass < PASSES; pass++) {
    const decoder = new MsrpDecoder({
      onHead: () => undefined,
      onBody: () => undefined,
      onEnd: () => undefined,
    });
    for (const read of reads) decoder.write(read);
  }
  const decoder = (PASSES * total) / seconds(since);
  if (found < 0) console.log(found);
  return { decoder, indexOf };
}

async function rawPipe(): Promise<number> {
  let received = 0;
  let finished: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finished = resolve));
  const server = createServer((socket) =>
    socket.on('data', (data: Buffer) => {
      received += data.length;
      if (received >= BYTES) finished();
    }),
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
  await once(socket, 'connect');
  const since = process.hrtime.bigint();
  for (let sent = 0; sent < BYTES; sent += CHUNK)
    if (!socket.write(block)) await once(socket, 'drain');
  await done;
  const rate = BYTES / 1e6 / seconds(since);
  socket.destroy();
  server.close();
  return rate;
}

async function sessionTransfer(): Promise<{ rate: number; peakRss: number }> {
  let peakRss = 0;
  let pieces = 0;
  const server = new MsrpServer({
    resolveSession: () =>
      Promise.resolve({
        onData: () => {
          if (++pieces % 64 === 0) peakRss = Math.max(peakRss, process.memoryUsage.rss());
        },
        onComplete: () => undefined,
      }),
  });
  const { port } = await server.listenTcp({ host: '127.0.0.1', port: 0 });
  const uri = `msrp://127.0.0.1:${port}/bench;tcp`;
  const connection = await connectMsrp(uri);
  function* body(): Generator<Buffer> {
    for (let sent = 0; sent < BYTES; sent += CHUNK) yield block;
  }
  const since = process.hrtime.bigint();
  await connection.send({
    toPath: [uri],
    fromPath: ['msrp://127.0.0.1:9/c;tcp'],
    contentType: 'application/octet-stream',
    body: body(),
    size: BYTES,
  });
  const rate = BYTES / 1e6 / seconds(since);
  await connection.close();
  await server.close();
  return { rate, peakRss };
}

const reads = traffic();
const decoderRuns = Array.from({ length: RUNS }, () => decoderRate(reads));
const pipeRuns: number[] = [];
const sessionRuns: { rate: number; peakRss: number }[] = [];
for (let run = 0; run < RUNS; run++) {
  pipeRuns.push(await rawPipe());
  sessionRuns.push(await sessionTransfer());
}
const decoder = median(decoderRuns.map((r) => r.decoder));
const indexOf = median(decoderRuns.map((r) => r.indexOf));
const session = median(sessionRuns.map((r) => r.rate));
const pipe = median(pipeRuns);
console.log(
  `\nmsrp benchmark (node ${process.version}, median of ${RUNS} runs, ${values.mb} MiB transfers)\n`,
);
console.log('figure | msrp | baseline (same run) | ratio');
console.log(
  `decoder, 64 KiB SEND chunks | ${decoder.toFixed(0)} MB/s | Buffer.indexOf scan: ${indexOf.toFixed(0)} MB/s | ${(decoder / indexOf).toFixed(2)}`,
);
console.log(
  `loopback session transfer | ${session.toFixed(0)} MB/s | raw net pipe: ${pipe.toFixed(0)} MB/s | ${(session / pipe).toFixed(2)}`,
);
console.log(
  `peak RSS during transfer | ${(Math.max(...sessionRuns.map((r) => r.peakRss)) / 1e6).toFixed(0)} MB | | `,
);
