import { postJson, timeRequest } from './http-timing.js';
import { VOCABULARY, createRandom } from './vocabulary.js';

/** Search terms with a known share of the generated mailbox (see lib/vocabulary.ts). */
export const WORD = VOCABULARY[101]!;
/** Four letters from the middle of a word: found only by substring matching. */
export const SUBSTRING = VOCABULARY[202]!.slice(1, 5);
/** Two letters: below the trigram index's reach, so Sluice scans (as for 2-syllable Korean words). */
export const SHORT_SUBSTRING = VOCABULARY[303]!.slice(1, 3);

export interface Request {
  readonly url: string;
  readonly init?: RequestInit;
}

/** The same questions asked of each server's own API. */
export interface ApiDriver {
  list(): Request;
  search(text: string): Request;
  message(id: string): Request;
  raw(id: string): Request;
  /** Ids of `count` stored messages spread over the mailbox. */
  sampleIds(count: number): Promise<string[]>;
  /** Deletes what matches; resolves with the milliseconds it took and how many went. */
  deleteBySearch(text: string): Promise<{ ms: number; deleted: number }>;
}

async function json<T>(url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return (await response.json()) as T;
}

export function sluiceDriver(base: string): ApiDriver {
  return {
    list: () => ({ url: `${base}/api/messages?limit=50` }),
    search: (text) => ({ url: `${base}/api/search?limit=50&query=${encodeURIComponent(text)}` }),
    message: (id) => ({ url: `${base}/api/messages/${id}` }),
    raw: (id) => ({ url: `${base}/api/messages/${id}/raw` }),
    sampleIds: async (count) => {
      const first = await json<{ messages: { id: number }[] }>(`${base}/api/messages?limit=1`);
      const newest = first.messages[0]?.id ?? 0;
      const random = createRandom(count);
      const ids: string[] = [];
      while (ids.length < count) {
        const before = 1 + Math.floor(random() * newest);
        const page = await json<{ messages: { id: number }[] }>(
          `${base}/api/messages?limit=1&before=${before + 1}`,
        );
        if (page.messages[0]) ids.push(String(page.messages[0].id));
      }
      return ids;
    },
    deleteBySearch: async (text) => {
      const { ms, status, body } = await timeRequest(
        `${base}/api/messages/delete`,
        postJson({ query: text }),
      );
      if (status !== 200) throw new Error(`delete answered ${status}: ${body.toString()}`);
      return { ms, deleted: (JSON.parse(body.toString()) as { deleted: number }).deleted };
    },
  };
}

interface MailDevPage {
  items: { id: string }[];
  total: number;
  storeTotal: number;
}

/** MailDev 3's REST API; its search (`/api/email/summary?search=`) is what its inbox uses. */
export function mailDevDriver(base: string): ApiDriver {
  const summary = (query: string) => `${base}/api/email/summary?limit=50${query}`;
  return {
    list: () => ({ url: summary('') }),
    search: (text) => ({ url: summary(`&search=${encodeURIComponent(text)}`) }),
    // Note: MailDev marks a message read when it is fetched (a write Sluice does not do).
    message: (id) => ({ url: `${base}/api/email/${id}` }),
    raw: (id) => ({ url: `${base}/api/email/${id}/source` }),
    sampleIds: async (count) => {
      const { storeTotal } = await json<MailDevPage>(`${base}/api/email/summary?limit=1`);
      const random = createRandom(count);
      const ids: string[] = [];
      while (ids.length < count) {
        const skip = Math.floor(random() * storeTotal);
        const page = await json<MailDevPage>(`${base}/api/email/summary?limit=1&skip=${skip}`);
        if (page.items[0]) ids.push(page.items[0].id);
      }
      return ids;
    },
    // MailDev cannot delete by query: its inbox searches, then deletes the ids it got.
    deleteBySearch: async (text) => {
      const started = performance.now();
      const page = await json<MailDevPage>(
        `${base}/api/email/summary?limit=200&search=${encodeURIComponent(text)}`,
      );
      const ids = page.items.map((item) => item.id);
      const response = await fetch(`${base}/api/email/delete`, postJson({ ids }));
      const result = (await response.json()) as { deleted: string[] };
      return { ms: performance.now() - started, deleted: result.deleted.length };
    },
  };
}
