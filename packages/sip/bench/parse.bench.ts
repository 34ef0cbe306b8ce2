// Parse + serialize of a typical MESSAGE vs the npm `sip` package's parse of the same bytes, same run.
// Usage: pnpm --filter @pigeonhole/sip bench [--n 200000 --runs 5]
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { parseSipMessage, serializeSipMessage } from '../src/index.js';

const { values } = parseArgs({
  options: { n: { type: 'string', default: '200000' }, runs: { type: 'string', default: '5' } },
});
const N = Number(values.n);
const sip = createRequire(import.meta.url)('sip') as { parse(text: string): unknown };

const body = 'Watson, come here.';
const text =
  'MESSAGE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776sgdkse;rport\r\n' +
  'Max-Forwards: 70\r\nFrom: "Alice A." <sip:alice@example.com>;tag=49583\r\nTo: <sip:bob@example.com>\r\n' +
  'Call-ID: asd88asd77a@1.2.3.4\r\nCSeq: 1 MESSAGE\r\nContent-Type: text/plain\r\n' +
  `Content-Length: ${body.length}\r\n\r\n${body}`;
const bytes = Buffer.from(text);

function rate(run: () => void): number {
  const since = process.hrtime.bigint();
  for (let i = 0; i < N; i++) run();
  return N / (Number(process.hrtime.bigint() - since) / 1e9);
}

const ours: number[] = [];
const theirs: number[] = [];
for (let r = 0; r < Number(values.runs); r++) {
  ours.push(rate(() => serializeSipMessage(parseSipMessage(bytes))));
  theirs.push(rate(() => sip.parse(bytes.toString('binary'))));
}
const median = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
console.log(`\nsip benchmark (node ${process.version}, ${N} messages, median of ${values.runs})\n`);
console.log('figure | @pigeonhole/sip | npm sip 0.0.6 (same run) | ratio');
console.log(
  `MESSAGE parse+serialize vs parse | ${median(ours).toFixed(0)} /s | ${median(theirs).toFixed(0)} /s | ${(median(ours) / median(theirs)).toFixed(2)}`,
);
