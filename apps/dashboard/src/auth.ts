import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

/** Who may do what: `admin` acts (retry, purge, Bull Board actions), `viewer` only reads. */
export type Role = 'admin' | 'viewer';

/** The dashboard's secrets: the admin token, and optionally a read-only one. */
export interface DashboardCredentials {
  readonly adminToken: string;
  readonly viewerToken?: string;
}

const sameSecret = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** The secret a request presents: `Authorization: Bearer <token>`, or basic auth with any user name. */
export function presentedSecret(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const [scheme, value = ''] = authorization.split(' ', 2);
  if (scheme?.toLowerCase() === 'bearer') return value;
  if (scheme?.toLowerCase() !== 'basic') return undefined;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  return decoded.slice(decoded.indexOf(':') + 1);
}

/** The role a secret grants, or undefined. */
export function roleOf(
  secret: string | undefined,
  credentials: DashboardCredentials,
): Role | undefined {
  if (secret === undefined) return undefined;
  if (sameSecret(secret, credentials.adminToken)) return 'admin';
  if (credentials.viewerToken && sameSecret(secret, credentials.viewerToken)) return 'viewer';
  return undefined;
}

/**
 * Nothing is served without credentials: 401 with a basic-auth challenge (so a browser asks), and 403
 * for a viewer's request that would change something (any method but GET and HEAD).
 */
export function requireRole(credentials: DashboardCredentials) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const role = roleOf(presentedSecret(req.headers.authorization), credentials);
    if (!role) {
      res.setHeader('WWW-Authenticate', 'Basic realm="Pigeonhole dashboard", charset="UTF-8"');
      res.status(401).type('text/plain').send('credentials required\n');
      return;
    }
    if (role === 'viewer' && req.method !== 'GET' && req.method !== 'HEAD') {
      res.status(403).type('text/plain').send('read-only credentials\n');
      return;
    }
    res.locals['role'] = role;
    next();
  };
}
