import type { TestSluice } from '../helpers/sluice.js';
import { fixture, sendFixture, sendMail } from '../web/support.js';

/** A 1x1 PNG, the inline image the HTML refers to by cid. */
export const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==',
  'base64',
);
export const PDF = Buffer.from('%PDF-1.4\n% tiny report\n');

export interface Samples {
  readonly plain: number;
  readonly korean: number;
  readonly rich: number;
}

/**
 * The three kinds of message every dialect test reads, each over real SMTP: a plain text
 * one, a Korean one (EUC-KR, encoded-word subject) and an HTML one with a cid image and a
 * PDF attachment.
 */
export async function sendSamples(sluice: TestSluice): Promise<Samples> {
  const plain = await sendFixture(sluice, 'plain-simple.eml', {
    from: 'sender@example.com',
    to: ['alice@example.com'],
  });
  const korean = await sendFixture(sluice, 'charset-euc-kr.eml', {
    from: 'minsu@example.kr',
    to: ['jiwoo@example.kr'],
  });
  const rich = await sendMail(sluice, {
    from: '"Billing" <billing@example.com>',
    to: 'Bob Builder <bob+receipts@example.com>',
    subject: 'Your receipt',
    text: 'Receipt RCPT-1 in text',
    html: '<p>Receipt <b>RCPT-1</b></p><img src="cid:logo@sluice.test">',
    attachments: [
      { filename: 'logo.png', content: PNG, cid: 'logo@sluice.test' },
      { filename: 'report.pdf', content: PDF, contentType: 'application/pdf' },
    ],
  });
  return { plain, korean, rich };
}

export const KOREAN_SUBJECT = '회의 안내';
export const KOREAN_TEXT = '다음 주 월요일 오전 열 시에 회의가 있습니다.';
export { fixture };
