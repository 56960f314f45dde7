import { useMemo, useState } from 'preact/hooks';
import { messageUrl } from '../../api.js';
import { hasRemoteContent } from '../../lib/remote-content.js';
import { Icon, type IconName } from '../icons.js';

type Width = 'phone' | 'tablet' | 'full';
const WIDTHS: { id: Width; label: string; icon: IconName; title: string }[] = [
  { id: 'phone', label: '375', icon: 'phone', title: 'Phone width (375 px)' },
  { id: 'tablet', label: '768', icon: 'tablet', title: 'Tablet width (768 px)' },
  { id: 'full', label: 'Full', icon: 'monitor', title: 'Full width' },
];

/** Messages whose remote images and CSS the user allowed in this session. */
const remoteAllowed = new Set<number>();
let lastWidth: Width = 'full';

/**
 * Captured HTML is hostile: it is framed from its own URL (served with a CSP sandbox and
 * no script permission), and the frame's sandbox has neither allow-scripts nor
 * allow-same-origin, so nothing in it can run or reach the inbox. Popups are allowed so
 * that links open, in a new tab without an opener.
 */
export function HtmlTab({ id, html }: { id: number; html: string | null }) {
  const hasRemote = useMemo(() => hasRemoteContent(html), [html]);
  const [width, setWidth] = useState<Width>(lastWidth);
  const [remote, setRemote] = useState(remoteAllowed.has(id));
  const chooseWidth = (next: Width) => {
    lastWidth = next;
    setWidth(next);
  };
  const toggleRemote = () => {
    if (remote) remoteAllowed.delete(id);
    else remoteAllowed.add(id);
    setRemote(!remote);
  };
  const src = messageUrl(id, 'html', remote);
  return (
    <div class="html-tab">
      <div class="subbar">
        <div class="segmented" role="group" aria-label="Preview width">
          {WIDTHS.map((w) => (
            <button
              key={w.id}
              type="button"
              class={width === w.id ? 'active' : ''}
              aria-pressed={width === w.id}
              title={w.title}
              data-width={w.id}
              onClick={() => chooseWidth(w.id)}
            >
              <Icon name={w.icon} size={14} />
              <span>{w.label}</span>
            </button>
          ))}
        </div>
        <label
          class="switch"
          title="Remote images and stylesheets can tell the sender you opened the message"
        >
          <input type="checkbox" checked={remote} onChange={toggleRemote} name="remote" />
          <span class="switch-track" aria-hidden="true" />
          <span>Load remote content</span>
        </label>
        <a class="subbar-link" href={src} target="_blank" rel="noopener noreferrer">
          <Icon name="external" size={14} /> Open
        </a>
      </div>
      {hasRemote && !remote && (
        <div class="remote-banner" role="note">
          <Icon name="image" size={15} />
          <span>Remote images blocked, so the sender cannot tell that you opened this.</span>
          <button type="button" class="button" onClick={toggleRemote}>
            Show
          </button>
        </div>
      )}
      <div class={`frame-stage width-${width}`}>
        <iframe
          key={src}
          class="html-frame"
          src={src}
          title="Message HTML body"
          sandbox="allow-popups allow-popups-to-escape-sandbox"
          referrerpolicy="no-referrer"
        />
      </div>
    </div>
  );
}
