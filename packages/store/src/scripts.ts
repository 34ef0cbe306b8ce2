import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Cluster, Redis } from 'ioredis';

/** A Redis connection the store can use: one node or a Cluster. */
export type RedisClient = Redis | Cluster;

/** The scripts in lua/, by name; the key count is in each file name (`name-<keys>.lua`). */
export type ScriptName =
  | 'storePager'
  | 'openLarge'
  | 'growLarge'
  | 'commitLarge'
  | 'abortLarge'
  | 'ackMessage'
  | 'sweepExpired'
  | 'bindSession';

type ScriptArg = string | number | Buffer;
type ScriptCommand = (...args: ScriptArg[]) => Promise<unknown>;

// lua/ sits beside src/ and dist/, so this resolves from both.
const LUA_DIR = fileURLToPath(new URL('../lua/', import.meta.url));

/** Inlines `--#include <name>` lines with lua/includes/<name>.lua. */
function expandIncludes(source: string): string {
  return source.replace(/^--#include (\w+)$/gm, (_, name: string) =>
    readFileSync(`${LUA_DIR}includes/${name}.lua`, 'utf8'),
  );
}

const SCRIPTS: readonly { name: ScriptName; keys: number; lua: string }[] = readdirSync(LUA_DIR)
  .filter((file) => file.endsWith('.lua'))
  .map((file) => {
    const [, name, keys] = /^(\w+)-(\d+)\.lua$/.exec(file) ?? [];
    if (!name || !keys) throw new Error(`lua/${file}: name must be <name>-<number of keys>.lua`);
    return {
      name: name as ScriptName,
      keys: Number(keys),
      lua: expandIncludes(readFileSync(LUA_DIR + file, 'utf8')),
    };
  });

const DEFINED = Symbol('pigeonhole.store.scripts');

/** Registers every script on the client once (EVALSHA with EVAL fallback, per ioredis `defineCommand`). */
export function defineScripts(client: RedisClient): void {
  const marked = client as unknown as Record<symbol, boolean>;
  if (marked[DEFINED]) return;
  for (const script of SCRIPTS) {
    client.defineCommand(`ph_${script.name}`, { numberOfKeys: script.keys, lua: script.lua });
  }
  marked[DEFINED] = true;
}

/** Runs a script with its keys then its arguments. */
export function runScript(
  client: RedisClient,
  name: ScriptName,
  call: { keys: readonly string[]; args: readonly ScriptArg[] },
): Promise<unknown> {
  const command = (client as unknown as Record<string, ScriptCommand | undefined>)[`ph_${name}`];
  if (!command)
    throw new Error(`script ${name} is not defined on this client; call defineScripts() first`);
  return command.call(client, ...call.keys, ...call.args);
}
