import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Config } from './config/config.js';

const PROBE_TIMEOUT_MS = 5000;

/** The readiness URL of the server `config` describes, as this machine reaches it. */
export function readinessUrl(config: Config): URL {
  const { host, port } = config.http;
  // A wildcard bind is reached on loopback; a specific address where it listens.
  const target = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '::1' : host;
  const scheme = config.web.tls ? 'https' : 'http';
  const name = target.includes(':') ? `[${target}]` : target;
  return new URL(`${scheme}://${name}:${port}${config.web.basePath}api/ready`);
}

/**
 * Asks the server whether it is ready (GET …/api/ready, which needs no sign-in). HTTPS is
 * not verified: this checks the server's own readiness over loopback, not who it is.
 */
export function probeReadiness(url: URL): Promise<{ ready: boolean; detail: string }> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const req = request(url, { rejectUnauthorized: false, timeout: PROBE_TIMEOUT_MS }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk.slice(0, 1000)));
      res.on('end', () => {
        const reason = safeReason(body);
        resolve({
          ready: res.statusCode === 200,
          detail: `${res.statusCode}${reason ? `: ${reason}` : ''}`,
        });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${PROBE_TIMEOUT_MS / 1000}s`)));
    req.on('error', (error) => resolve({ ready: false, detail: error.message }));
    req.end();
  });
}

function safeReason(body: string): string {
  try {
    return String((JSON.parse(body) as { reason?: unknown }).reason ?? '');
  } catch {
    return '';
  }
}

/**
 * The options the server in this container was started with: flags given to `docker run
 * IMAGE --flag …` reach the server (PID 1) but not the HEALTHCHECK command, so they are read
 * from the server's own command line. Null when PID 1 is not a Sluice server.
 */
export function containerServerArgv(cmdlinePath = '/proc/1/cmdline'): string[] | null {
  let cmdline: string;
  try {
    cmdline = readFileSync(cmdlinePath, 'utf8');
  } catch {
    return null;
  }
  const args = cmdline.split('\0').filter((arg, i, all) => arg !== '' || i < all.length - 1);
  const main = args.findIndex((arg) => /(^|\/)(dist\/main\.js|sluice)$/.test(arg));
  if (main < 0) return null;
  const rest = args.slice(main + 1);
  // `sluice relay verify` or another subcommand is not the server.
  return rest.length > 0 && !rest[0]!.startsWith('-') ? null : rest;
}
