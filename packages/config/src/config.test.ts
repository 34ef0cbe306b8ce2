import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, VARIABLES, loadEnv, parseSipUsers } from './index.js';

describe('loadEnv', () => {
  it('gives the documented defaults on an empty environment', () => {
    const env = loadEnv({});
    expect(env).toMatchObject({
      SIP_HOST: '127.0.0.1',
      SIP_UDP_PORT: 5060,
      SIP_TCP_PORT: 5060,
      SIP_WS_PORT: 5066,
      MSRP_TCP_PORT: 2855,
      MSRP_WS_PORT: 2856,
      DASHBOARD_PORT: 8080,
      SIP_DOMAIN: 'localhost',
      PAGER_MAX_BYTES: 1300,
    });
    expect(env.REDIS_URL).toBeUndefined();
    expect(Object.isFrozen(env)).toBe(true);
  });

  it('coerces numbers and treats empty strings as unset', () => {
    const env = loadEnv({ SIP_UDP_PORT: '15060', DASHBOARD_PORT: '' });
    expect(env.SIP_UDP_PORT).toBe(15060);
    expect(env.DASHBOARD_PORT).toBe(8080);
  });

  it('names every bad variable and the form it expects', () => {
    let error: unknown;
    try {
      loadEnv({ SIP_UDP_PORT: 'abc', REDIS_URL: 'http://x', LOG_LEVEL: 'loud' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const configError = error as ConfigError;
    expect(configError.issues.map((i) => i.variable)).toEqual([
      'SIP_UDP_PORT',
      'REDIS_URL',
      'LOG_LEVEL',
    ]);
    expect(configError.message).toContain('SIP_UDP_PORT="abc": expected a port number 0-65535');
    expect(configError.message).toContain(
      'REDIS_URL="http://x": expected a redis:// or rediss:// URL',
    );
  });

  it('keeps SIP_DOMAIN in lower case, as parsed URIs carry their hosts', () => {
    expect(loadEnv({ SIP_DOMAIN: 'Example.COM' }).SIP_DOMAIN).toBe('example.com');
  });

  it('takes decimal digits only for numbers', () => {
    for (const bad of [' ', '0x10', '1e3', '-1', '5060.5'])
      expect(() => loadEnv({ SIP_UDP_PORT: bad }), bad).toThrow(/SIP_UDP_PORT=/);
    expect(loadEnv({ SIP_UDP_PORT: '0' }).SIP_UDP_PORT).toBe(0);
  });

  it('never prints the value of a secret it refuses', () => {
    expect(() => loadEnv({ DASHBOARD_TOKEN: 'short-secret' })).toThrow(
      'DASHBOARD_TOKEN=(hidden, 12 characters): expected a secret of at least 16 characters',
    );
  });

  it('rejects a port out of range', () => {
    expect(() => loadEnv({ MSRP_TCP_PORT: '70000' })).toThrow(/MSRP_TCP_PORT="70000"/);
  });

  it('parses SIP_USERS pairs, passwords may contain colons', () => {
    expect(parseSipUsers(loadEnv({ SIP_USERS: 'alice:secret,bob:a:b' }).SIP_USERS)).toEqual([
      { user: 'alice', password: 'secret' },
      { user: 'bob', password: 'a:b' },
    ]);
    expect(() => loadEnv({ SIP_USERS: 'alice' })).toThrow(/SIP_USERS/);
  });
});

describe('README', () => {
  it('documents every variable in its configuration table', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const missing = Object.keys(VARIABLES).filter((name) => !readme.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });
});
