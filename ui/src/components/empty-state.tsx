import { useEffect, useState } from 'preact/hooks';
import { apiUrl, getInfo, type ServerInfo } from '../api.js';
import {
  connectSnippets,
  MODE_LABELS,
  targetFor,
  type Snippet,
  type Trust,
} from '../snippets/snippets.js';
import { listenerAddress } from '../snippets/target.js';
import { Icon, Logo } from './icons.js';

/** The empty inbox teaches how to send it mail, with this server's real host and ports. */
export function EmptyState() {
  const [info, setInfo] = useState<ServerInfo | null>(null);
  const [framework, setFramework] = useState('django');
  const [mode, setMode] = useState('plain');
  useEffect(() => {
    getInfo().then(setInfo, () => setInfo(null));
  }, []);
  if (!info) return <div class="empty" aria-busy="true" />;

  const snippets = connectSnippets(targetFor(info, location.hostname));
  const frameworks = [...new Map(snippets.map((s) => [s.framework, s])).values()];
  const variants = snippets.filter((s) => s.framework === framework);
  const snippet = variants.find((s) => s.mode === mode) ?? variants[0] ?? snippets[0]!;
  const address = (listener: { host: string; port: number }) => (
    <code class="address">{listenerAddress(listener, location.hostname)}</code>
  );
  return (
    <div class="empty">
      <div class="empty-card">
        <div class="empty-head">
          <span class="empty-logo">
            <Logo size={28} />
          </span>
          <div>
            <h2>No mail yet</h2>
            <p class="muted">
              Point your app at {address(info.smtp)}
              {info.starttls && <> (STARTTLS on {address(info.starttls)}</>}
              {info.smtps && (
                <>
                  {info.starttls ? ', ' : ' ('}implicit TLS on {address(info.smtps)}
                </>
              )}
              {(info.starttls || info.smtps) && ')'}. Everything it sends shows up here at once, and
              nothing leaves this machine.
            </p>
          </div>
        </div>
        <div class="snippet">
          <div class="snippet-tabs" role="tablist" aria-label="Frameworks">
            {frameworks.map((s) => (
              <button
                key={s.framework}
                type="button"
                role="tab"
                aria-selected={s.framework === snippet.framework}
                data-snippet={s.framework}
                onClick={() => setFramework(s.framework)}
              >
                {s.label}
              </button>
            ))}
          </div>
          <SnippetBody snippet={snippet} variants={variants} onMode={setMode} info={info} />
        </div>
        <p class="muted small">
          Tests can wait for mail over HTTP:{' '}
          <code>GET /api/messages/wait?query=to:you@example.com</code>. The API is described at{' '}
          <a href={apiUrl('openapi.json')}>{apiUrl('openapi.json')}</a>.
        </p>
      </div>
    </div>
  );
}

function SnippetBody(props: {
  snippet: Snippet;
  variants: Snippet[];
  onMode: (mode: string) => void;
  info: ServerInfo;
}) {
  const { snippet, variants, onMode, info } = props;
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(snippet.code);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      // No clipboard permission: the code is selectable by hand.
    }
  };
  return (
    <>
      <div class="snippet-modes" role="tablist" aria-label="Connection">
        {variants.length > 1 &&
          variants.map((s) => (
            <button
              key={s.mode}
              type="button"
              role="tab"
              aria-selected={s.mode === snippet.mode}
              data-snippet-mode={s.mode}
              onClick={() => onMode(s.mode)}
            >
              {MODE_LABELS[s.mode]}
            </button>
          ))}
        <span class="spacer" />
        <span class="snippet-file">{snippet.file}</span>
        <button
          type="button"
          class="icon-button"
          onClick={copy}
          title="Copy"
          aria-label="Copy snippet"
        >
          <Icon name={copied ? 'checks' : 'copy'} />
        </button>
      </div>
      <pre class="snippet-code" data-snippet-code={snippet.id}>
        {snippet.code}
      </pre>
      {snippet.trust && (
        <p class="snippet-note" data-snippet-note={snippet.trust}>
          {trustNote(snippet.trust, info.tls.ca)}
        </p>
      )}
    </>
  );
}

/** What a client that verifies the certificate needs first. */
function trustNote(trust: Trust, ca: string | null) {
  if (!ca) return 'This client verifies the certificate given with --smtp-tls-cert.';
  if (trust === 'node') {
    return (
      <>
        Node verifies the certificate: start the app with <code>NODE_EXTRA_CA_CERTS={ca}</code>
      </>
    );
  }
  const file = <code>{ca}</code>;
  const store = trust === 'java' ? "Java's keystore" : 'this system';
  return (
    <>
      This client verifies the certificate: make {store} trust Sluice's CA {file} once (
      <code>sluice tls trust</code> prints the commands).
    </>
  );
}
