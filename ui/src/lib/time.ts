const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Built on first use: an Intl formatter costs milliseconds, too many for startup. */
function lazyFormat(options: Intl.DateTimeFormatOptions): (date: Date) => string {
  let format: Intl.DateTimeFormat | undefined;
  return (date) => (format ??= new Intl.DateTimeFormat(undefined, options)).format(date);
}

const weekday = lazyFormat({ weekday: 'short' });
const monthDay = lazyFormat({ month: 'short', day: 'numeric' });
const fullDate = lazyFormat({ year: 'numeric', month: 'short', day: 'numeric' });
const clock = lazyFormat({ hour: '2-digit', minute: '2-digit' });
const full = lazyFormat({ dateStyle: 'full', timeStyle: 'medium' });
const medium = lazyFormat({ dateStyle: 'medium', timeStyle: 'short' });

/**
 * Short, list-friendly age: "now", "4m", "3h", then the clock, weekday or date.
 * `words` spells the recent ones out for the message header ("4 minutes ago").
 */
export function relativeTime(iso: string, now: number, words = false): string {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return '';
  const age = now - at;
  if (age < 45_000) return words ? 'just now' : 'now';
  if (age < HOUR) {
    const minutes = Math.max(1, Math.round(age / MINUTE));
    return words ? `${minutes} minute${minutes === 1 ? '' : 's'} ago` : `${minutes}m`;
  }
  if (age < 12 * HOUR) {
    const hours = Math.floor(age / HOUR);
    return words ? `${hours} hour${hours === 1 ? '' : 's'} ago` : `${hours}h`;
  }
  if (words) return '';
  const date = new Date(at);
  if (startOfDay(now) <= at) return clock(date);
  if (age < 6 * DAY) return weekday(date);
  if (new Date(now).getFullYear() === date.getFullYear()) return monthDay(date);
  return fullDate(date);
}

export function mediumTime(iso: string): string {
  const at = Date.parse(iso);
  return Number.isNaN(at) ? iso : medium(new Date(at));
}

export function fullTime(iso: string | null): string {
  if (!iso) return '';
  const at = Date.parse(iso);
  return Number.isNaN(at) ? iso : full(new Date(at));
}

function startOfDay(now: number): number {
  const date = new Date(now);
  date.setHours(0, 0, 0, 0);
  return date.getTime();
}
