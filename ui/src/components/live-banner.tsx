import type { LiveStatus } from '../live.js';
import { Icon } from './icons.js';

/**
 * Says so, over everything, while the event stream is down: the list may be out of date and
 * new mail does not appear. The live region is always there (empty when live), so screen
 * readers announce the change rather than miss a region that appeared with its text.
 */
export function LiveBanner({ status }: { status: LiveStatus }) {
  const down = status === 'reconnecting';
  return (
    <div class={`live-banner${down ? ' shown' : ''}`} role="status" aria-live="polite">
      {down && (
        <>
          <Icon name="wifiOff" />
          <span>
            <strong>Reconnecting…</strong> New mail shows up again once the server answers.
          </span>
        </>
      )}
    </div>
  );
}
