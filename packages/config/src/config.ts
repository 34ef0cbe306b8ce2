import type { z } from 'zod';
import { ConfigError, type ConfigIssue } from './config-error.js';
import { VARIABLES, type VariableName, type VariableSpec } from './variables.js';

/** The environment after validation and defaults: one typed value per variable. */
export type Env = { [K in VariableName]: z.output<(typeof VARIABLES)[K]['schema']> };

const NAMES = Object.keys(VARIABLES) as VariableName[];

/**
 * Reads and validates the environment once. Unset or empty variables take their defaults.
 * @throws ConfigError naming every variable whose value does not fit, with the form it expects.
 */
export function loadEnv(
  source: Readonly<Record<string, string | undefined>> = process.env,
): Readonly<Env> {
  const values: Partial<Record<VariableName, unknown>> = {};
  const issues: ConfigIssue[] = [];
  for (const name of NAMES) {
    const raw = source[name];
    const result = VARIABLES[name].schema.safeParse(raw === '' ? undefined : raw);
    if (result.success) values[name] = result.data;
    else issues.push(issueOf(name, raw ?? ''));
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return Object.freeze(values as Env);
}

function issueOf(name: VariableName, raw: string): ConfigIssue {
  const spec: VariableSpec = VARIABLES[name];
  const received = spec.secret ? `(hidden, ${raw.length} characters)` : JSON.stringify(raw);
  return { variable: name, received, expected: spec.expected };
}

/** SIP users seeded from SIP_USERS (`alice:secret,bob:secret`). */
export function parseSipUsers(value: string | undefined): { user: string; password: string }[] {
  if (!value) return [];
  return value.split(',').map((pair) => {
    const at = pair.indexOf(':');
    return { user: pair.slice(0, at), password: pair.slice(at + 1) };
  });
}
