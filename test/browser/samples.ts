import type Mail from 'nodemailer/lib/mailer';
import { bannerPng, makePng } from './png.js';

/** A welcome mail with an inline (cid:) banner, a text part and a PDF attachment. */
export function welcomeMail(): Mail.Options {
  return {
    from: 'Acme Cloud <hello@acme.test>',
    to: 'Dana Developer <dana@example.com>',
    cc: 'team@example.com',
    bcc: 'audit@example.com',
    subject: 'Welcome to Acme Cloud, Dana',
    text: 'Hi Dana,\n\nYour workspace is ready: https://acme.test/w/dana\n\nThe Acme team',
    html: `<!doctype html><html><body style="margin:0;font-family:Helvetica,Arial,sans-serif;background:#f4f5f7">
<table width="100%" cellpadding="0" cellspacing="0"><tr><td align="center" style="padding:24px">
<table width="480" cellpadding="0" cellspacing="0" style="background:#fff;border-radius:8px;overflow:hidden">
<tr><td><img id="banner" src="cid:banner@acme" width="480" height="120" alt="Acme Cloud"></td></tr>
<tr><td style="padding:24px 28px;color:#1f2933;font-size:15px;line-height:1.5">
<h1 style="font-size:22px;margin:0 0 12px">Welcome aboard, Dana</h1>
<p id="greeting">Your workspace <b>dana</b> is ready. Invite your team and send your first build.</p>
<p><a href="https://acme.test/w/dana" style="display:inline-block;background:#0f766e;color:#fff;padding:10px 18px;border-radius:6px;text-decoration:none">Open workspace</a></p>
<p style="color:#6b7280;font-size:13px">You get this because you signed up at acme.test.</p>
</td></tr></table></td></tr></table></body></html>`,
    attachments: [
      {
        filename: 'banner.png',
        content: bannerPng(),
        cid: 'banner@acme',
        contentType: 'image/png',
      },
      {
        filename: 'getting-started.pdf',
        content: Buffer.from('%PDF-1.4\n% a tiny stand-in document\n%%EOF\n'),
        contentType: 'application/pdf',
      },
      {
        filename: 'team-photo.png',
        content: makePng(96, 64, (x, y) => [200 - x, 120 + y, 90 + ((x * y) % 80)]),
        contentType: 'image/png',
      },
    ],
  };
}

/** Realistic everyday traffic of an app in development. */
export const EVERYDAY: Mail.Options[] = [
  {
    from: 'Billing <billing@shop.test>',
    to: 'ann@example.com',
    subject: 'Your invoice #1042 is ready',
    text: 'Hello Ann, your invoice for March is attached. Total due: $48.00 by April 15.',
    attachments: [{ filename: 'invoice-1042.pdf', content: Buffer.from('%PDF-1.4\n%%EOF\n') }],
  },
  {
    from: 'Security <no-reply@auth.test>',
    to: 'bob@example.com',
    subject: 'Reset your password',
    text: 'Someone asked to reset the password for bob@example.com. Use this link within 30 minutes: https://auth.test/reset/8f2c',
    html: '<p>Someone asked to reset the password for <b>bob@example.com</b>.</p><p><a href="https://auth.test/reset/8f2c">Reset password</a></p>',
  },
  {
    from: 'GitHub <notifications@github.test>',
    to: 'dev@example.com',
    subject: '[sluice] Build failed on main (3f9c2e1)',
    text: 'The workflow "CI" failed on main. 2 jobs failed: lint, test (node 20).',
  },
  {
    from: 'Orders <orders@shop.test>',
    to: 'carol@example.com',
    subject: 'Order #58213 shipped 📦',
    text: 'Good news, Carol: your order is on its way. Track it with 1Z999AA10123456784.',
  },
  {
    from: 'Calendar <calendar@corp.test>',
    to: 'dev@example.com',
    subject: 'Invitation: Sprint review @ Thu 14:00',
    text: 'You are invited to Sprint review. Join: https://meet.corp.test/sprint',
  },
  {
    from: 'Newsletter <news@weekly.test>',
    to: 'dev@example.com',
    subject: 'This week in TypeScript: 5.9 and the road to Go',
    text: 'Top stories: the native compiler preview, faster type checks, and a look at import defer.',
    html: '<h2>This week in TypeScript</h2><p>The native compiler preview, faster type checks, and a look at <code>import defer</code>.</p>',
  },
  {
    from: 'Dana Developer <dana@example.com>',
    to: 'qa@example.com',
    subject: 'Re: staging deploy checklist',
    text: 'Looks good to me. I ran the migrations on staging and everything is green.',
  },
];
