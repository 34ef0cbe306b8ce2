import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Cluster, Redis, Result } from 'ioredis';

/** A Redis connection the store can use: one node or a Cluster. */
export type RedisClient = Redis | Cluster;

/** The scripts in lua/, by name; the key count is in each file name (`name-<keys>.lua`). */
export const SCRIPT_NAMES = [
  'storePager',
  'openLarge',
  'growLarge',
  'commitLarge',
  'abortLarge',
  'ackMessage',
  'removeMessage',
  'recordAttempt',
  'sweepExpired',
  'forgetRecipient',
  'bindSession',
  'putBinding',
] as const;

/** One of {@link SCRIPT_NAMES}. */
export type ScriptName = (typeof SCRIPT_NAMES)[number];

/** What a script takes after its keys: strings, numbers, or binary data (sent as is). */
export type ScriptArg = string | number | Buffer;

// Declaration merging (ioredis `defineCommand`): each script is a typed command on Redis and Cluster.
declare module 'ioredis' {
  interface RedisCommander<Context> {
    ph_storePager(...keysThenArgs: ScriptArg[]): Result<unknown, Context>;
    ph_openLarge(...keysThenArgs: ScriptArg[]): Result<unknown, Context>;
    ph_growLarge(...keysThenArgs: ScriptArg[]): Result<unknown, Context>;
    ph_commitLarge(...keysThenArgs: ScriptArg[]): Result<unknown, Context>;
    ph_abortLarge(...keysThenArgs: ScriptArg[]): Result<unknown, Context>;
    ph_ackMessage(...keysThenArgs: ScriptArg[]): Result<unknown, Context>;
    ph_removeMessage(...keysThenArgs: ScriptArg[]): Result<unknown, Context>;
    ph_recordAttempt(...keysThenArgs: ScriptArg[]): Result<unknown, Context>;
    ph_sweepExpired(...keysThenArgs: ScriptArg[]): Result<unknown, Context>;
    ph_forgetRecipient(...keysThenArgs: ScriptArg[]): Result<unknown, Context>;
    ph_bindSession(...keysThenArgs: ScriptArg[]): Result<unknown, Context>;
    ph_putBinding(...keysThenArgs: ScriptArg[]): Result<unknown, Context>;
  }
}

// lua/ sits beside src/ and dist/, so this resolves from both.
const LUA_DIR = fileURLToPath(new URL('../lua/', import.meta.url));

/** Inlines `--#include <name>` lines with lua/includes/<name>.lua. */
function expandIncludes(source: string): string {
  return source.replace(/^--#include (\w+)$/gm, (_, name: string) =>
    readFileSync(`${LUA_DIR}includes/${name}.lua`, 'utf8'),
  );
}

/** Reads lua/<name>-<keys>.lua for every script; a missing or misnamed file fails at load time. */
function loadScripts(): readonly { name: ScriptName; keys: number; lua: string }[] {
  const files = readdirSync(LUA_DIR).filter((file) => file.endsWith('.lua'));
  return SCRIPT_NAMES.map((name) => {
    const file = files.find((f) => new RegExp(`^${name}-\\d+\\.lua$`).test(f));
    if (!file) throw new Error(`lua/${name}-<number of keys>.lua is missing`);
    const keys = Number(/-(\d+)\.lua$/.exec(file)?.[1]);
    return { name, keys, lua: expandIncludes(readFileSync(LUA_DIR + file, 'utf8')) };
  });
}

const SCRIPTS = loadScripts();
const DEFINED = new WeakSet<RedisClient>();

/** Registers every script on the client once (EVALSHA with EVAL fallback, per ioredis `defineCommand`). */
export function defineScripts(client: RedisClient): void {
  if (DEFINED.has(client)) return;
  for (const script of SCRIPTS) {
    client.defineCommand(`ph_${script.name}`, { numberOfKeys: script.keys, lua: script.lua });
  }
  DEFINED.add(client);
}

/** Runs a script with its keys then its arguments (the client must have gone through defineScripts). */
export function runScript(
  client: RedisClient,
  name: ScriptName,
  call: { readonly keys: readonly string[]; readonly args: readonly ScriptArg[] },
): Promise<unknown> {
  defineScripts(client);
  const command: (...a: ScriptArg[]) => Promise<unknown> = client[`ph_${name}`].bind(client);
  return command(...call.keys, ...call.args);
}
