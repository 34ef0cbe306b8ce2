/** One environment variable whose value does not fit. */
export interface ConfigIssue {
  readonly variable: string;
  /** The value as received, quoted; for a secret only its length. */
  readonly received: string;
  readonly expected: string;
}

/** The environment holds values the service cannot start with. The message names each variable. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_ERR_INVALID';

  constructor(readonly issues: readonly ConfigIssue[]) {
    super(
      'Invalid configuration:\n' +
        issues.map((i) => `  ${i.variable}=${i.received}: expected ${i.expected}`).join('\n'),
    );
    this.name = new.target.name;
  }
}
