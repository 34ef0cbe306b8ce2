import type { MsrpConnection } from '@pigeonhole/msrp';
import { describe, expect, it } from 'vitest';
import { SessionBindings } from './session-bindings.js';

// Connections are only compared by identity here.
const connection = (id: string): MsrpConnection => ({ id }) as unknown as MsrpConnection;

describe('SessionBindings', () => {
  it("finds a session's connection, and releases exactly one connection's sessions", () => {
    const bindings = new SessionBindings();
    const [a, b] = [connection('a'), connection('b')];
    bindings.bind('s1', a);
    bindings.bind('s2', a);
    bindings.bind('s3', b);
    expect(bindings.connectionOf('s2')).toBe(a);
    expect(bindings.release(a).sort()).toEqual(['s1', 's2']);
    expect(bindings.connectionOf('s1')).toBeUndefined();
    expect(bindings.connectionOf('s3')).toBe(b);
    expect(bindings.release(a)).toEqual([]);
  });
});
