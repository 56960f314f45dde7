/**
 * A handful of message shapes that real applications send (plain notices, HTML newsletters,
 * invoices with a PDF, CJK text, inline images, several recipients), written with
 * placeholders such as `qqsubjqq`. A message is its template with the placeholders filled in.
 *
 * Placeholders sit only where bytes are copied verbatim into what the parser returns (7bit or
 * 8bit bodies, unencoded header text), so the same substitution applied to the template's
 * *parsed* form gives exactly what parsing the filled-in message would: that is what lets the
 * seeder parse each template once. seed.ts checks the claim on a sample with the real parser.
 */

export const PLACEHOLDERS = [
  'subj',
  'toaddr',
  'toname',
  'from',
  'mid',
  'date',
  'ordr',
  'body',
  'cc',
] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
export type TemplateValues = Record<Placeholder, string>;

/** `qqordrqq` is 8 characters and its value is 8 digits, so the snippet window keeps its shape. */
export const ORDER_NUMBER_LENGTH = 8;

const PATTERN = new RegExp(`qq(${PLACEHOLDERS.join('|')})qq`, 'g');

export function fillTemplate(
  text: string,
  values: TemplateValues,
  escape: (value: string) => string = (value) => value,
): string {
  return text.replace(PATTERN, (_match, name: Placeholder) => escape(values[name]));
}

export interface Template {
  readonly name: string;
  /** Share of generated messages, out of the sum of all weights. */
  readonly weight: number;
  /** The raw message with CRLF line ends and placeholders. */
  readonly raw: string;
  /** Envelope recipients besides To (Cc), as placeholders too. */
  readonly extraRecipients: readonly string[];
}

/**
 * The snippet is cut from the first 800 characters of the body, so each template opens with a
 * fixed lead of at least that length (with only the fixed-width order number in it) and puts
 * the varying words after it.
 */
function lead(sentence: string, minLength = 850): string {
  const sentences: string[] = [];
  let length = 0;
  for (let i = 1; length < minLength; i++) {
    const line = sentence.replace('#', String(i));
    sentences.push(line);
    length += line.length + 1;
  }
  return sentences.join('\r\n');
}

const ENGLISH_LEAD = lead(
  'Paragraph # of the notice: your account settings were reviewed and nothing needs your attention right now.',
);
const CJK_LEAD = lead(
  'ご注文ありがとうございます。주문해 주셔서 감사합니다。発送準備が整い次第お知らせします。#',
);

function headers(lines: readonly string[]): string {
  return lines.join('\r\n');
}

const COMMON_HEADERS = [
  'From: Sluice Bench <qqfromqq@bench.example>',
  'To: qqtonameqq <qqtoaddrqq>',
  'Subject: qqsubjqq',
  'Date: qqdateqq',
  'Message-ID: <qqmidqq@bench.example>',
  'MIME-Version: 1.0',
];

const PLAIN = [
  ...COMMON_HEADERS,
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: 7bit',
  '',
  'Order qqordrqq is confirmed.',
  ENGLISH_LEAD,
  '',
  'Notes: qqbodyqq',
  '',
  '-- ',
  'Sent by the benchmark generator',
  '',
];

const ALTERNATIVE = [
  ...COMMON_HEADERS,
  'Content-Type: multipart/alternative; boundary="alt-b3nch"',
  '',
  '--alt-b3nch',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: 7bit',
  '',
  'Newsletter qqordrqq for you.',
  ENGLISH_LEAD,
  'This week: qqbodyqq',
  '--alt-b3nch',
  'Content-Type: text/html; charset=utf-8',
  'Content-Transfer-Encoding: 7bit',
  '',
  '<!doctype html><html><head><style>p{font-family:sans-serif;color:#333}</style></head><body>',
  '<table width="100%"><tr><td><h1>Newsletter qqordrqq for you.</h1></td></tr>',
  `<tr><td><p>${ENGLISH_LEAD.replaceAll('\r\n', '</p>\r\n<p>')}</p></td></tr>`,
  '<tr><td><p>This week: <b>qqbodyqq</b></p></td></tr>',
  '<tr><td><a href="https://bench.example/unsubscribe">Unsubscribe</a></td></tr></table>',
  '</body></html>',
  '--alt-b3nch--',
  '',
];

/** 12 KB of fixed bytes standing in for a PDF, base64 in 76-character lines. */
function attachmentBase64(bytes: number): string {
  const data = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) data[i] = (i * 31 + (i >> 7)) & 0xff;
  return (data.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');
}

const WITH_ATTACHMENT = [
  ...COMMON_HEADERS,
  'Content-Type: multipart/mixed; boundary="mix-b3nch"',
  '',
  '--mix-b3nch',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: 7bit',
  '',
  'Invoice qqordrqq is attached.',
  ENGLISH_LEAD,
  'Items: qqbodyqq',
  '--mix-b3nch',
  'Content-Type: application/pdf; name="invoice.pdf"',
  'Content-Disposition: attachment; filename="invoice.pdf"',
  'Content-Transfer-Encoding: base64',
  '',
  attachmentBase64(12 * 1024),
  '--mix-b3nch--',
  '',
];

const CJK = [
  'From: Sluice Bench <qqfromqq@bench.example>',
  'To: qqtonameqq <qqtoaddrqq>',
  `Subject: =?UTF-8?B?${Buffer.from('ご注文の確認 주문 확인').toString('base64')}?= qqsubjqq`,
  'Date: qqdateqq',
  'Message-ID: <qqmidqq@bench.example>',
  'MIME-Version: 1.0',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: 8bit',
  '',
  '注文番号 qqordrqq',
  CJK_LEAD,
  'メモ: qqbodyqq',
  '',
];

const PNG_4X4 =
  'iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAIAAAAmkwkpAAAAKUlEQVR42g3HMQEAAAzCMIRVGFbq\r\n' +
  'A4FbviSR2LiYIFgcn0ptXT+T2bl5znMU0Tzb+T8AAAAASUVORK5CYII=';

const INLINE_IMAGE = [
  ...COMMON_HEADERS,
  'Content-Type: multipart/related; boundary="rel-b3nch"; type="text/html"',
  '',
  '--rel-b3nch',
  'Content-Type: text/html; charset=utf-8',
  'Content-Transfer-Encoding: 7bit',
  '',
  '<html><body><p><img src="cid:logo@bench.example" alt="logo" width="4" height="4"></p>',
  '<p>Receipt qqordrqq.</p>',
  `<p>${ENGLISH_LEAD.replaceAll('\r\n', '</p>\r\n<p>')}</p>`,
  '<p>Details: qqbodyqq</p></body></html>',
  '--rel-b3nch',
  'Content-Type: image/png; name="logo.png"',
  'Content-Transfer-Encoding: base64',
  'Content-ID: <logo@bench.example>',
  'Content-Disposition: inline; filename="logo.png"',
  '',
  PNG_4X4,
  '--rel-b3nch--',
  '',
];

const SEVERAL_RECIPIENTS = [
  'From: Sluice Bench <qqfromqq@bench.example>',
  'To: qqtonameqq <qqtoaddrqq>, Team Inbox <team@bench.example>',
  'Cc: qqccqq@bench.example',
  'Reply-To: support@bench.example',
  'Subject: qqsubjqq',
  'Date: qqdateqq',
  'Message-ID: <qqmidqq@bench.example>',
  'MIME-Version: 1.0',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: 7bit',
  '',
  'Ticket qqordrqq was updated.',
  ENGLISH_LEAD,
  'Comment: qqbodyqq',
  '',
];

export const TEMPLATES: readonly Template[] = [
  { name: 'plain', weight: 30, raw: headers(PLAIN), extraRecipients: [] },
  { name: 'alternative', weight: 30, raw: headers(ALTERNATIVE), extraRecipients: [] },
  { name: 'attachment', weight: 10, raw: headers(WITH_ATTACHMENT), extraRecipients: [] },
  { name: 'cjk', weight: 10, raw: headers(CJK), extraRecipients: [] },
  { name: 'inline-image', weight: 10, raw: headers(INLINE_IMAGE), extraRecipients: [] },
  {
    name: 'several-recipients',
    weight: 10,
    raw: headers(SEVERAL_RECIPIENTS),
    extraRecipients: ['team@bench.example', 'qqccqq@bench.example'],
  },
];
