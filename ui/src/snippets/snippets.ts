import { FRAMEWORKS, type Connection, type FrameworkSpec } from './frameworks.js';
import type { SnippetTarget } from './target.js';

export type { SnippetTarget } from './target.js';
export { DEFAULT_TARGET, targetFor } from './target.js';

/** plain: no TLS; starttls: upgrade on the STARTTLS port; tls: implicit TLS; login: plain with AUTH. */
export type SnippetMode = 'plain' | 'starttls' | 'tls' | 'login';

export const MODE_LABELS: Record<SnippetMode, string> = {
  plain: 'Plain',
  starttls: 'STARTTLS',
  tls: 'Implicit TLS',
  login: 'With login',
};

/**
 * Which trust store a client that verifies the certificate reads: the system's (Python,
 * Ruby, PHP, Go), Node's own list (NODE_EXTRA_CA_CERTS) or Java's keystore.
 */
export type Trust = 'system' | 'node' | 'java';

export interface Snippet {
  /** `${framework}-${mode}`, e.g. django-starttls. */
  readonly id: string;
  readonly framework: string;
  readonly label: string;
  readonly file: string;
  /** The fence language in README. */
  readonly language: string;
  readonly mode: SnippetMode;
  readonly code: string;
  /** Set when the client verifies Sluice's certificate: its CA must be trusted first. */
  readonly trust: Trust | null;
}

/** Placeholders; with --smtp-auth the user puts one of the configured pairs here. */
const CREDENTIALS = { user: 'user', password: 'password' } as const;

/** Every snippet for this target, framework by framework, in README's order. */
export function connectSnippets(target: SnippetTarget): Snippet[] {
  return FRAMEWORKS.flatMap((framework) =>
    framework.modes.flatMap((mode) => {
      const connection = connectionFor(framework, target, mode);
      if (!connection) return [];
      return [
        {
          id: `${framework.id}-${mode}`,
          framework: framework.id,
          label: framework.label,
          file: framework.file,
          language: framework.language,
          mode,
          code: framework.code(connection, target),
          trust: usesTls(framework, target, connection) ? (framework.trust ?? null) : null,
        },
      ];
    }),
  );
}

/** A client that upgrades on its own does so on a plain port that offers STARTTLS. */
function usesTls(framework: FrameworkSpec, target: SnippetTarget, connection: Connection): boolean {
  return (
    connection.tls !== 'none' || (target.plainOffersStarttls && framework.upgradesItself === true)
  );
}

function connectionFor(
  framework: FrameworkSpec,
  target: SnippetTarget,
  mode: SnippetMode,
): Connection | null {
  const credentials = target.authRequired || mode === 'login' ? CREDENTIALS : null;
  const at = (port: number | null, tls: Connection['tls']): Connection | null =>
    port === null ? null : { host: target.host, port, tls, credentials };
  if (framework.available && !framework.available(target)) return null;
  switch (mode) {
    case 'plain':
      return target.tlsRequired && !framework.upgradesItself ? null : at(target.smtp, 'none');
    case 'login':
      return target.authRequired || target.tlsRequired ? null : at(target.smtp, 'none');
    case 'starttls':
      return at(target.starttls, 'starttls');
    case 'tls':
      return at(target.smtps, 'implicit');
  }
}
