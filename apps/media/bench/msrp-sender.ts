// The ingest benchmark's sender, in its own process as a real client would be: connects to the
// reserved session's path and sends `--mb` MiB of one repeated 64 KiB block; prints the seconds taken.
// Usage: tsx msrp-sender.ts --to-path URI --from-path URI --mb N
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { connectMsrp } from '@pigeonhole/msrp';

const { values } = parseArgs({
  options: {
    'to-path': { type: 'string' },
    'from-path': { type: 'string' },
    mb: { type: 'string', default: '1024' },
  },
});
const bytes = Number(values.mb) * 1024 * 1024;
const block = randomBytes(64 * 1024);
function* body(): Generator<Buffer> {
  for (let at = 0; at < bytes; at += block.length) yield block;
}
const toPath = values['to-path'] ?? '';
const connection = await connectMsrp(toPath);
const since = process.hrtime.bigint();
await connection.send({
  toPath: [toPath],
  fromPath: [values['from-path'] ?? ''],
  contentType: 'application/octet-stream',
  body: body(),
  size: bytes,
});
console.log(Number(process.hrtime.bigint() - since) / 1e9);
await connection.close();
