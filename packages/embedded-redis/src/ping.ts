import { connect } from 'node:net';

/** True when a Redis server answers PING at host:port within `timeoutMs`. */
export function pingRedis(options: {
  host: string;
  port: number;
  timeoutMs?: number;
}): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(options.port, options.host);
    let reply = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(options.timeoutMs ?? 1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('*1\r\n$4\r\nPING\r\n'));
    socket.on('data', (data: Buffer) => {
      reply += data.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}
