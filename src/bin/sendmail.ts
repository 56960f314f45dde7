#!/usr/bin/env node
import { runSendmail } from '../sendmail/sendmail.js';

// The `sendmail` command of package.json's bin, for sendmail_path in php.ini and for cron:
// the same as `sluice sendmail`. Like main.ts, an entry point: it alone touches process here.
runSendmail(process.argv.slice(2), {
  env: process.env,
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`sluice sendmail: ${(error as Error).stack ?? error}\n`);
    process.exitCode = 70;
  },
);
