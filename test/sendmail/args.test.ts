import { describe, expect, it } from 'vitest';
import { parseSendmailArgs, SendmailUsageError } from '../../src/sendmail/args.js';
import { sendmailCommand } from '../../src/cli/tools.js';

// sendmail's command line as its callers write it (PHP's sendmail_path, cron, git
// send-email, Symfony's -bs), one row per form.
describe('parseSendmailArgs', () => {
  it.each([
    [['-t', '-i'], { fromHeaders: true, dotEndsInput: false, recipients: [] }],
    [['-oi', 'a@x.test'], { dotEndsInput: false, recipients: ['a@x.test'] }],
    [['-fme@x.test', 'a@x.test'], { sender: 'me@x.test' }],
    [['-f', 'me@x.test', 'a@x.test'], { sender: 'me@x.test', recipients: ['a@x.test'] }],
    [['-r', 'me@x.test', 'a@x.test'], { sender: 'me@x.test' }],
    [['-F', 'The App', '-odi', '-oem', '-om', '-v', 'a@x.test'], { recipients: ['a@x.test'] }],
    [['-o', 'x', 'a@x.test'], { recipients: ['a@x.test'] }],
    [['-bs'], { mode: 'smtp' }],
    [['-bm', 'a@x.test'], { mode: 'deliver' }],
    [['--', '-odd@x.test'], { recipients: ['-odd@x.test'] }],
    [['-S', '127.0.0.1:2525', 'a@x.test'], { sluiceArgv: ['--smtp', '127.0.0.1:2525'] }],
    [['--smtp-addr=127.0.0.1:2525'], { sluiceArgv: ['--smtp', '127.0.0.1:2525'] }],
    [
      ['--smtp', '[::1]:25', '--db', '/d/s.db'],
      { sluiceArgv: ['--smtp', '[::1]:25', '--db', '/d/s.db'] },
    ],
  ])('%j', (argv, expected) => {
    expect(parseSendmailArgs(argv)).toMatchObject(expected);
  });

  it.each([
    [['-bp'], /-bp is not supported/],
    [['-Z'], /unknown option -Z/],
    [['-f'], /-f needs a value/],
    [['--smtp'], /--smtp needs a value/],
  ])('%j is a usage error', (argv, message) => {
    expect(() => parseSendmailArgs(argv)).toThrow(SendmailUsageError);
    expect(() => parseSendmailArgs(argv)).toThrow(message);
  });
});

describe('sendmailCommand (the inbox PHP snippet)', () => {
  it('runs this Node and this install, quoting what the shell would split', () => {
    expect(sendmailCommand('/usr/bin/node', ['node', '/opt/sluice/dist/main.js'])).toBe(
      '/usr/bin/node /opt/sluice/dist/main.js sendmail',
    );
    expect(sendmailCommand('/usr/bin/node', ['node', "/My Apps/it's/main.js"])).toBe(
      `/usr/bin/node '/My Apps/it'\\''s/main.js' sendmail`,
    );
  });

  it('gives none when running from TypeScript sources', () => {
    expect(sendmailCommand('/usr/bin/node', ['node', '/src/main.ts'])).toBeUndefined();
  });
});
