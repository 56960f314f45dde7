import { useEffect, useState } from 'preact/hooks';
import { getRawSource, messageUrl } from '../../api.js';
import { formatSize } from '../../lib/format.js';
import { Icon } from '../icons.js';

/** More than this is cut off on screen (a 50 MB message would freeze the tab); download has it all. */
const MAX_SHOWN = 2 * 1024 * 1024;

export function SourceTab({ id, size }: { id: number; size: number }) {
  const [source, setSource] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let current = true;
    setSource(null);
    setError(null);
    getRawSource(id).then(
      (text) => current && setSource(text),
      (e: Error) => current && setError(e.message),
    );
    return () => {
      current = false;
    };
  }, [id]);
  const truncated = source !== null && source.length > MAX_SHOWN;
  return (
    <div class="source-tab">
      <div class="subbar">
        <span class="muted">{formatSize(size)} raw message</span>
        <a class="button" href={messageUrl(id, 'download')} download={`message-${id}.eml`}>
          <Icon name="download" size={14} /> Download .eml
        </a>
      </div>
      <div class="scroll">
        {error && <p class="tab-empty">Could not load the source: {error}</p>}
        {source === null && !error && <p class="tab-empty">Loading…</p>}
        {source !== null && (
          <pre class="source-body">
            {truncated ? source.slice(0, MAX_SHOWN) : source}
            {truncated && '\n\n[… cut off here; download the .eml for the rest]'}
          </pre>
        )}
      </div>
    </div>
  );
}
