import type { MsrpConnection } from '@pigeonhole/msrp';

/**
 * The sessions bound to this instance's connections, both ways: by session (signalling's BYE closes
 * its connection) and by connection (a closed connection releases its sessions), each lookup direct.
 */
export class SessionBindings {
  readonly #bySession = new Map<string, MsrpConnection>();
  readonly #byConnection = new Map<MsrpConnection, Set<string>>();

  bind(sessionId: string, connection: MsrpConnection): void {
    this.#bySession.set(sessionId, connection);
    const sessions = this.#byConnection.get(connection) ?? new Set<string>();
    sessions.add(sessionId);
    this.#byConnection.set(connection, sessions);
  }

  connectionOf(sessionId: string): MsrpConnection | undefined {
    return this.#bySession.get(sessionId);
  }

  /** Forgets the connection's sessions and returns them. */
  release(connection: MsrpConnection): string[] {
    const sessions = [...(this.#byConnection.get(connection) ?? [])];
    this.#byConnection.delete(connection);
    for (const sessionId of sessions) this.#bySession.delete(sessionId);
    return sessions;
  }
}
