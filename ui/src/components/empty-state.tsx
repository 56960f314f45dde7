import { useEffect, useState } from 'preact/hooks';
import { apiUrl, getInfo, type ServerInfo } from '../api.js';
import { Icon, Logo } from './icons.js';
import { connectSnippets, reachableHost } from './snippets.js';

/** The empty inbox teaches how to send it mail, with this server's real host and ports. */
export function EmptyState() {
  const [info, setInfo] = useState<ServerInfo | null>(null);
  const [active, setActive] = useState('django');
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    getInfo().then(setInfo, () => setInfo(null));
  }, []);
  if (!info) return <div class="empty" aria-busy="true" />;

  const snippets = connectSnippets(info);
  const snippet = snippets.find((s) => s.id === active) ?? snippets[0]!;
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(snippet.code);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      // No clipboard permission: the code is selectable by hand.
    }
  };
  const host = reachableHost(info.smtp.host);
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
              Point your app at <code class="address">{`${host}:${info.smtp.port}`}</code>
              {info.smtps && (
                <>
                  {' '}
                  (implicit TLS on{' '}
                  <code class="address">{`${reachableHost(info.smtps.host)}:${info.smtps.port}`}</code>
                  )
                </>
              )}
              . Everything it sends shows up here at once, and nothing leaves this machine.
            </p>
          </div>
        </div>
        <div class="snippet">
          <div class="snippet-tabs" role="tablist" aria-label="Frameworks">
            {snippets.map((s) => (
              <button
                key={s.id}
                type="button"
                role="tab"
                aria-selected={s.id === snippet.id}
                data-snippet={s.id}
                onClick={() => setActive(s.id)}
              >
                {s.label}
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
