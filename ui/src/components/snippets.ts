import type { ServerInfo } from '../api.js';

export interface Snippet {
  readonly id: string;
  readonly label: string;
  readonly file: string;
  readonly code: string;
}

/** A host a client on this machine can reach: a wildcard bind means "this page's host". */
export function reachableHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return location.hostname || 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

/** Ready-to-paste settings for the usual frameworks, filled with this server's real address. */
export function connectSnippets(info: ServerInfo): Snippet[] {
  const host = reachableHost(info.smtp.host);
  const port = info.smtp.port;
  const smtps = info.smtps;
  const tls = info.tls.required;
  const auth = info.auth.mode === 'required';

  const django = [
    'EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"',
    `EMAIL_HOST = "${host}"`,
    `EMAIL_PORT = ${port}`,
    `EMAIL_USE_TLS = ${tls ? 'True' : 'False'}  # STARTTLS is offered${tls ? ' and required' : '; True tests it'}`,
    'EMAIL_USE_SSL = False',
    ...(smtps
      ? [
          `# Implicit TLS instead: EMAIL_PORT = ${smtps.port}, EMAIL_USE_SSL = True, EMAIL_USE_TLS = False`,
        ]
      : []),
    ...(auth ? [`EMAIL_HOST_USER = "user"`, `EMAIL_HOST_PASSWORD = "password"`] : []),
  ];

  const rails = [
    '# config/environments/development.rb',
    'config.action_mailer.delivery_method = :smtp',
    'config.action_mailer.smtp_settings = {',
    `  address: "${host}",`,
    `  port: ${port},`,
    ...(auth
      ? ['  user_name: "user",', '  password: "password",', '  authentication: :plain,']
      : []),
    `  enable_starttls_auto: ${tls ? 'true' : 'false'},`,
    '  openssl_verify_mode: "none"  # the certificate is self-signed',
    '}',
  ];

  const laravel = [
    'MAIL_MAILER=smtp',
    `MAIL_HOST=${host}`,
    `MAIL_PORT=${port}`,
    `MAIL_USERNAME=${auth ? 'user' : 'null'}`,
    `MAIL_PASSWORD=${auth ? 'password' : 'null'}`,
    `MAIL_ENCRYPTION=${tls ? 'tls' : 'null'}`,
    'MAIL_FROM_ADDRESS="app@example.com"',
  ];

  const node = [
    "import nodemailer from 'nodemailer';",
    '',
    'const transport = nodemailer.createTransport({',
    `  host: '${host}',`,
    `  port: ${port},`,
    '  secure: false,',
    ...(auth ? ["  auth: { user: 'user', pass: 'password' },"] : []),
    '  tls: { rejectUnauthorized: false }, // self-signed certificate',
    '});',
    '',
    'await transport.sendMail({',
    "  from: 'app@example.com',",
    "  to: 'you@example.com',",
    "  subject: 'Hello from Node',",
    "  text: 'It works.',",
    '});',
  ];

  const swaks = [
    `swaks --server ${host}:${port} \\`,
    ...(tls ? ['  --tls \\'] : []),
    ...(auth ? ['  --auth-user user --auth-password password \\'] : []),
    '  --from app@example.com --to you@example.com \\',
    '  --header "Subject: Hello from swaks" --body "It works."',
    ...(smtps
      ? ['', '# implicit TLS:', `swaks --server ${host}:${smtps.port} --tlsc --to you@example.com`]
      : []),
  ];

  return [
    { id: 'django', label: 'Django', file: 'settings.py', code: django.join('\n') },
    { id: 'rails', label: 'Rails', file: 'development.rb', code: rails.join('\n') },
    { id: 'laravel', label: 'Laravel', file: '.env', code: laravel.join('\n') },
    { id: 'node', label: 'Node', file: 'nodemailer', code: node.join('\n') },
    { id: 'swaks', label: 'swaks', file: 'shell', code: swaks.join('\n') },
  ];
}
