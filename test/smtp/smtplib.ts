import {
  portFor,
  type OutgoingMessage,
  type SendReply,
  type SessionOptions,
} from '../helpers/nodemailer.js';
import { runPython } from '../helpers/python.js';
import { certificatePath } from '../helpers/tls.js';

/**
 * One smtplib session: connect (SMTP or SMTP_SSL), optionally STARTTLS, optionally AUTH
 * with one chosen mechanism, then every message on that same connection. Replies come
 * back as the low-level (code, text) pairs, so a test sees the server's exact answer.
 */
const SESSION_SCRIPT = String.raw`
import json, smtplib, ssl, sys

spec = json.loads(sys.argv[1])
out = {"probe": None, "replies": []}

def context():
    return ssl.create_default_context(cafile=spec["cafile"])

def reply(stage, code, text):
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return {"stage": stage, "code": code, "text": "%d %s" % (code, text)}

if spec["mode"] == "implicit":
    s = smtplib.SMTP_SSL("127.0.0.1", spec["securePort"], context=context(), timeout=30)
else:
    s = smtplib.SMTP("127.0.0.1", spec["port"], timeout=30)
s.ehlo("smtplib.test")
if spec.get("probeBeforeTls"):
    code, text = s.mail("probe@example.com")
    out["probe"] = reply("mail", code, text)
    s.rset()
if spec["mode"] == "starttls":
    s.starttls(context=context())
    s.ehlo("smtplib.test")

failed = None
auth = spec.get("auth")
if auth:
    s.user, s.password = auth["user"], auth["password"]
    mechanism = {"PLAIN": s.auth_plain, "LOGIN": s.auth_login, "CRAM-MD5": s.auth_cram_md5}
    try:
        s.auth(auth["method"], mechanism[auth["method"]])
    except smtplib.SMTPAuthenticationError as error:
        failed = reply("auth", error.smtp_code, error.smtp_error)

for message in spec["messages"]:
    if failed:
        out["replies"].append(failed)
        continue
    code, text = s.mail(message["from"])
    if code != 250:
        out["replies"].append(reply("mail", code, text))
        s.rset()
        continue
    refused = None
    for rcpt in message["to"]:
        code, text = s.rcpt(rcpt)
        if code != 250 and refused is None:
            refused = reply("rcpt", code, text)
    if refused:
        out["replies"].append(refused)
        s.rset()
        continue
    code, text = s.data(message["raw"].encode("utf-8"))
    out["replies"].append(reply("data", code, text))
s.quit()
print(json.dumps(out))
`;

export interface SmtplibResult {
  /** With probeBeforeTls: the answer to MAIL FROM sent before STARTTLS. */
  readonly probe: SendReply | null;
  readonly replies: SendReply[];
}

/** Runs one smtplib session (one connection) that sends every message in order. */
export function sendWithSmtplib(
  options: SessionOptions & { messages: readonly OutgoingMessage[]; probeBeforeTls?: boolean },
): Promise<SmtplibResult> {
  const spec = {
    port: portFor(options),
    securePort: options.securePort ?? null,
    cafile: certificatePath(options.dataDir),
    mode: options.mode,
    auth: options.auth ?? null,
    messages: options.messages,
    probeBeforeTls: options.probeBeforeTls ?? false,
  };
  return runPython<SmtplibResult>(SESSION_SCRIPT, [JSON.stringify(spec)]);
}
