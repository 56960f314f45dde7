import type { SnippetMode, Trust } from './snippets.js';
import { bracket, type SnippetTarget } from './target.js';

/** One way of reaching Sluice: which port, which TLS, and credentials if any. */
export interface Connection {
  readonly host: string;
  readonly port: number;
  readonly tls: 'none' | 'starttls' | 'implicit';
  readonly credentials: { readonly user: string; readonly password: string } | null;
}

export interface FrameworkSpec {
  readonly id: string;
  readonly label: string;
  readonly file: string;
  readonly language: string;
  readonly modes: readonly SnippetMode[];
  /** The trust store it verifies TLS against; none for clients that do not verify. */
  readonly trust?: Trust;
  /** Whether it can be offered at all for this target. */
  readonly available?: (target: SnippetTarget) => boolean;
  /**
   * It upgrades whenever STARTTLS is offered (and then verifies), so on a plain port that
   * offers it the "plain" snippet uses TLS, and it still works when TLS is required.
   */
  readonly upgradesItself?: boolean;
  readonly code: (connection: Connection, target: SnippetTarget) => string;
}

const lines = (...parts: Array<string | false | null>) =>
  parts.filter((part) => typeof part === 'string').join('\n');

const address = (c: Connection) => `${bracket(c.host)}:${c.port}`;

const TLS_AND_AUTH_MODES: readonly SnippetMode[] = ['plain', 'starttls', 'tls'];

export const FRAMEWORKS: readonly FrameworkSpec[] = [
  {
    id: 'django',
    label: 'Django',
    file: 'settings.py',
    language: 'python',
    modes: ['plain', 'starttls', 'tls', 'login'],
    trust: 'system',
    code: (c) =>
      lines(
        'EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"',
        `EMAIL_HOST = "${c.host}"`,
        `EMAIL_PORT = ${c.port}`,
        c.tls === 'starttls' && 'EMAIL_USE_TLS = True',
        c.tls === 'implicit' && 'EMAIL_USE_SSL = True',
        c.credentials && `EMAIL_HOST_USER = "${c.credentials.user}"`,
        c.credentials && `EMAIL_HOST_PASSWORD = "${c.credentials.password}"`,
      ),
  },
  {
    id: 'rails',
    label: 'Rails',
    file: 'config/environments/development.rb',
    language: 'ruby',
    modes: TLS_AND_AUTH_MODES,
    trust: 'system',
    upgradesItself: true,
    code: (c) =>
      lines(
        'config.action_mailer.delivery_method = :smtp',
        'config.action_mailer.smtp_settings = {',
        `  address: "${c.host}",`,
        `  port: ${c.port},`,
        c.tls === 'starttls' && '  enable_starttls: true,',
        c.tls === 'implicit' && '  tls: true,',
        c.credentials && `  user_name: "${c.credentials.user}",`,
        c.credentials && `  password: "${c.credentials.password}",`,
        c.credentials && '  authentication: :plain,',
        '}',
      ),
  },
  {
    id: 'laravel',
    label: 'Laravel',
    file: '.env',
    language: 'ini',
    modes: TLS_AND_AUTH_MODES,
    trust: 'system',
    upgradesItself: true,
    code: (c) =>
      lines(
        c.tls === 'implicit' && '# MAIL_SCHEME needs Laravel 11 or later',
        'MAIL_MAILER=smtp',
        c.tls === 'implicit' && 'MAIL_SCHEME=smtps',
        `MAIL_HOST=${c.host}`,
        `MAIL_PORT=${c.port}`,
        `MAIL_USERNAME=${c.credentials?.user ?? 'null'}`,
        `MAIL_PASSWORD=${c.credentials?.password ?? 'null'}`,
        c.tls !== 'implicit' && `MAIL_ENCRYPTION=${c.tls === 'starttls' ? 'tls' : 'null'}`,
      ),
  },
  {
    id: 'symfony',
    label: 'Symfony',
    file: '.env',
    language: 'ini',
    modes: TLS_AND_AUTH_MODES,
    trust: 'system',
    upgradesItself: true,
    code: (c) => {
      const login = c.credentials ? `${c.credentials.user}:${c.credentials.password}@` : '';
      return `MAILER_DSN=${c.tls === 'implicit' ? 'smtps' : 'smtp'}://${login}${address(c)}`;
    },
  },
  {
    id: 'spring',
    label: 'Spring',
    file: 'application.properties',
    language: 'properties',
    modes: TLS_AND_AUTH_MODES,
    trust: 'java',
    code: (c) =>
      lines(
        `spring.mail.host=${c.host}`,
        `spring.mail.port=${c.port}`,
        c.tls === 'implicit' && 'spring.mail.protocol=smtps',
        c.tls === 'starttls' && 'spring.mail.properties.mail.smtp.starttls.enable=true',
        c.tls === 'starttls' && 'spring.mail.properties.mail.smtp.starttls.required=true',
        c.credentials && `spring.mail.username=${c.credentials.user}`,
        c.credentials && `spring.mail.password=${c.credentials.password}`,
        c.credentials && 'spring.mail.properties.mail.smtp.auth=true',
      ),
  },
  {
    id: 'go',
    label: 'Go',
    file: 'net/smtp',
    language: 'go',
    // SendMail upgrades with STARTTLS whenever it is offered; implicit TLS needs more code.
    modes: ['plain', 'starttls'],
    trust: 'system',
    upgradesItself: true,
    code: (c) =>
      lines(
        'package main',
        '',
        'import (',
        '\t"log"',
        '\t"net/smtp"',
        ')',
        '',
        'func main() {',
        '\tmsg := []byte("From: app@example.com\\r\\n" +',
        '\t\t"To: you@example.com\\r\\n" +',
        '\t\t"Subject: Hello from Go\\r\\n" +',
        '\t\t"\\r\\n" +',
        '\t\t"It works.\\r\\n")',
        c.credentials &&
          `\tauth := smtp.PlainAuth("", "${c.credentials.user}", "${c.credentials.password}", "${c.host}")`,
        `\terr := smtp.SendMail("${address(c)}", ${c.credentials ? 'auth' : 'nil'}, "app@example.com", []string{"you@example.com"}, msg)`,
        '\tif err != nil {',
        '\t\tlog.Fatal(err)',
        '\t}',
        '}',
      ),
  },
  {
    id: 'php',
    label: 'PHP',
    file: 'php.ini',
    language: 'ini',
    modes: ['plain'],
    // sluice sendmail does not log in; it upgrades to STARTTLS itself when required.
    available: (target) => !target.authRequired,
    upgradesItself: true,
    code: (_c, target) => {
      const to = target.sendmailAddress ? ` --smtp ${target.sendmailAddress}` : '';
      const command = `${target.sendmail} -t -i${to}`.replaceAll('"', '\\"');
      return lines(
        '; mail() hands each message to this command, which passes it to Sluice',
        `sendmail_path = "${command}"`,
      );
    },
  },
  {
    id: 'node',
    label: 'Node',
    file: 'nodemailer',
    language: 'js',
    modes: TLS_AND_AUTH_MODES,
    trust: 'node',
    upgradesItself: true,
    code: (c) =>
      lines(
        "import nodemailer from 'nodemailer';",
        '',
        'const transport = nodemailer.createTransport({',
        `  host: '${c.host}',`,
        `  port: ${c.port},`,
        c.tls === 'starttls' && '  requireTLS: true,',
        c.tls === 'implicit' && '  secure: true,',
        c.credentials &&
          `  auth: { user: '${c.credentials.user}', pass: '${c.credentials.password}' },`,
        '});',
        'await transport.sendMail({',
        "  from: 'app@example.com',",
        "  to: 'you@example.com',",
        "  subject: 'Hello from Node',",
        "  text: 'It works.',",
        '});',
      ),
  },
  {
    id: 'python',
    label: 'Python',
    file: 'smtplib',
    language: 'python',
    modes: TLS_AND_AUTH_MODES,
    trust: 'system',
    code: (c) =>
      lines(
        'import smtplib',
        c.tls !== 'none' && 'import ssl',
        'from email.message import EmailMessage',
        '',
        'msg = EmailMessage()',
        'msg["From"] = "app@example.com"',
        'msg["To"] = "you@example.com"',
        'msg["Subject"] = "Hello from Python"',
        'msg.set_content("It works.")',
        '',
        c.tls === 'implicit'
          ? `with smtplib.SMTP_SSL("${c.host}", ${c.port}, context=ssl.create_default_context()) as smtp:`
          : `with smtplib.SMTP("${c.host}", ${c.port}) as smtp:`,
        c.tls === 'starttls' && '    smtp.starttls(context=ssl.create_default_context())',
        c.credentials && `    smtp.login("${c.credentials.user}", "${c.credentials.password}")`,
        '    smtp.send_message(msg)',
      ),
  },
  {
    id: 'swaks',
    label: 'swaks',
    file: 'shell',
    language: 'sh',
    modes: TLS_AND_AUTH_MODES,
    code: (c) =>
      lines(
        `swaks --server ${address(c)} \\`,
        c.tls === 'starttls' && '  --tls \\',
        c.tls === 'implicit' && '  --tlsc \\',
        c.credentials &&
          `  --auth-user ${c.credentials.user} --auth-password ${c.credentials.password} \\`,
        '  --from app@example.com --to you@example.com \\',
        '  --header "Subject: Hello from swaks" --body "It works."',
      ),
  },
];
