import { useState } from 'preact/hooks';
import { useReleaseRefusal } from '../../relay/hooks.js';
import { releaseMessage } from '../../relay/relay-api.js';

/** Release to the envelope recipients, or to addresses typed in (comma or space separated). */
export function ReleaseForm({ id, onReleased }: { id: number; onReleased: () => void }) {
  const [to, setTo] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  // A reader is told before trying, as the held mail's buttons do.
  const refusal = useReleaseRefusal();

  const release = (addresses: string[] | undefined) => {
    setBusy(true);
    setResult(null);
    releaseMessage(id, addresses).then(
      ({ entries }) => {
        setBusy(false);
        setResult({
          ok: true,
          text: `Queued for ${entries.map((e) => e.recipient).join(', ')}`,
        });
        onReleased();
      },
      (error: Error) => {
        setBusy(false);
        setResult({ ok: false, text: error.message });
      },
    );
  };

  return (
    <section>
      <h3>Release</h3>
      <form
        class="relay-release"
        onSubmit={(e) => {
          e.preventDefault();
          const addresses = to.split(/[\s,;]+/).filter(Boolean);
          release(addresses.length > 0 ? addresses : undefined);
        }}
      >
        <button
          type="button"
          class="button"
          disabled={busy || refusal !== null}
          title={refusal ?? undefined}
          data-release="original"
          onClick={() => release(undefined)}
        >
          Release to original recipients
        </button>
        <input
          type="text"
          name="to"
          placeholder="or to: name@example.com, …"
          aria-label="Release to these addresses"
          value={to}
          disabled={refusal !== null}
          onInput={(e) => setTo(e.currentTarget.value)}
        />
        <button
          type="submit"
          class="button"
          disabled={busy || to.trim() === '' || refusal !== null}
        >
          Release
        </button>
        {refusal && <p class="muted small">{refusal}.</p>}
        {result && (
          <p class={result.ok ? 'muted small' : 'error-text small'} role="status">
            {result.text}
          </p>
        )}
      </form>
    </section>
  );
}
