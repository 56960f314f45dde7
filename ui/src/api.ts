import type { MessageDetail, MessageSummary } from '../../src/store/types.js';

export type { Address, MessageDetail, MessageSummary, PartInfo } from '../../src/store/types.js';

/** One page of a list or search, as GET /api/messages answers it. */
export interface ListPage {
  readonly messages: MessageSummary[];
  readonly total: number;
  /** Present (true) when a search matched more than the server counts. */
  readonly totalCapped?: boolean;
  readonly unread: number;
  readonly nextCursor: number | null;
}

/** The parts of GET /api/info the inbox uses. */
export interface ServerInfo {
  readonly version: string;
  readonly smtp: { readonly host: string; readonly port: number };
  readonly starttls: { readonly host: string; readonly port: number } | null;
  readonly smtps: { readonly host: string; readonly port: number } | null;
  readonly http: { readonly host: string; readonly port: number };
  readonly tls: {
    readonly starttls: boolean;
    readonly required: boolean;
    readonly ca: string | null;
  };
  readonly sendmail: string | null;
  readonly auth: { readonly mode: 'optional' | 'required' };
  readonly messages: { readonly total: number; readonly unread: number };
  readonly relay: { readonly mode: 'on' | 'off' };
  /** Who is asking: a reader may read everything but not let mail leave or stop it. */
  readonly principal: { readonly name: string; readonly role: 'reader' | 'releaser' };
}

/**
 * Where the server serves the inbox: `/`, or e.g. `/mail/` behind a reverse proxy. The server
 * writes it into the page as <base href>, so it is read here rather than built in.
 */
const BASE_PATH = new URL('.', document.baseURI).pathname;

/** The URL of an API path (`messages/1`) under the base path. */
export function apiUrl(path: string): string {
  return `${BASE_PATH}api/${path}`;
}

export class ApiRequestError extends Error {
  override name = 'ApiRequestError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, headers: { accept: 'application/json' } };
  if (body !== undefined) {
    // The API refuses writes that are not JSON, which is what keeps plain forms out.
    init.headers = { ...init.headers, 'content-type': 'application/json' };
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  if (!response.ok) {
    const error = (await response.json().catch(() => null)) as {
      error?: { code?: string; message?: string };
    } | null;
    throw new ApiRequestError(
      response.status,
      error?.error?.code ?? 'http_error',
      error?.error?.message ?? `${method} ${path} answered ${response.status}`,
    );
  }
  return (await response.json()) as T;
}

export const PAGE_SIZE = 100;

export interface PageRequest {
  readonly query?: string;
  readonly before?: number | null;
  readonly after?: number | null;
  readonly limit?: number;
}

export function listMessages(page: PageRequest = {}): Promise<ListPage> {
  const params = new URLSearchParams({ limit: String(page.limit ?? PAGE_SIZE) });
  if (page.before) params.set('before', String(page.before));
  if (page.after) params.set('after', String(page.after));
  const query = page.query?.trim();
  if (query) params.set('query', query);
  return request('GET', apiUrl(`${query ? 'search' : 'messages'}?${params}`));
}

export const getMessage = (id: number) => request<MessageDetail>('GET', apiUrl(`messages/${id}`));
export const getInfo = () => request<ServerInfo>('GET', apiUrl('info'));

let info: Promise<ServerInfo> | null = null;

/** /api/info once per page load (what it says changes only with a restart); again after a failure. */
export function serverInfo(): Promise<ServerInfo> {
  info ??= getInfo().catch((error: unknown) => {
    info = null;
    throw error;
  });
  return info;
}

export const setMessageRead = (id: number, read: boolean) =>
  request<MessageDetail>('PATCH', apiUrl(`messages/${id}`), { read });

export type Selection = { ids: number[] } | { all: true } | { query: string };

export const markMessages = (selection: Selection, read: boolean) =>
  request<{ updated: number }>('POST', apiUrl('messages/mark'), { ...selection, read });

export const deleteMessages = (selection: Selection) =>
  request<{ deleted: number }>('POST', apiUrl('messages/delete'), selection);

export async function getRawSource(id: number): Promise<string> {
  const response = await fetch(messageUrl(id, 'raw'));
  if (!response.ok) throw new ApiRequestError(response.status, 'http_error', 'source unavailable');
  return response.text();
}

/** URLs the inbox links to or frames; the server serves all of them with a sandbox CSP. */
export function messageUrl(id: number, what: 'html' | 'raw' | 'download', remote = false): string {
  if (what === 'download') return apiUrl(`messages/${id}/raw?download`);
  if (what === 'html') return apiUrl(`messages/${id}/html${remote ? '?remote=1' : ''}`);
  return apiUrl(`messages/${id}/raw`);
}

export function partUrl(id: number, partId: string, inline: boolean): string {
  return apiUrl(`messages/${id}/parts/${encodeURIComponent(partId)}${inline ? '?inline' : ''}`);
}
