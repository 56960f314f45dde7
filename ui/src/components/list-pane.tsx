import type { ListError, ListState } from '../list-state.js';
import { formatCount } from '../lib/format.js';
import { Icon } from './icons.js';
import { MessageList } from './message-list.js';
import { SEARCH_PROBLEM_ID } from './search-box.js';

export interface ListPaneProps {
  readonly list: ListState;
  readonly cursorId: number | null;
  readonly openId: number | null;
  readonly now: number;
  readonly hrefFor: (id: number) => string;
  readonly onSelect: (id: number) => void;
  readonly onLoadMore: () => void;
  readonly onMarkAllRead: () => void;
  readonly onDeleteView: () => void;
  readonly onClearSearch: () => void;
}

export function ListPane(props: ListPaneProps) {
  const { list } = props;
  const title = list.query ? 'Search' : 'Inbox';
  return (
    <main class="list-pane" aria-label={title}>
      <div class="list-header">
        <div class="list-title">
          <h1>{title}</h1>
          <span class="muted" data-count={list.total}>
            {!list.loaded ? 'Loading…' : list.error ? '' : <ListCount list={list} />}
          </span>
        </div>
        <div class="list-actions">
          <button
            type="button"
            class="icon-button"
            disabled={list.unread === 0}
            onClick={props.onMarkAllRead}
            title={list.query ? 'Mark the results read' : 'Mark all read'}
            aria-label={list.query ? 'Mark the results read' : 'Mark all read'}
          >
            <Icon name="checks" />
          </button>
          <button
            type="button"
            class="icon-button danger"
            disabled={list.total === 0}
            onClick={props.onDeleteView}
            title={list.query ? 'Delete the search results' : 'Delete all messages'}
            aria-label={list.query ? 'Delete search results' : 'Delete all'}
            data-action="delete-view"
          >
            <Icon name="trash" />
          </button>
        </div>
      </div>
      {list.error && list.messages.length > 0 && (
        <p class="notice error">Could not load more messages: {list.error.message}</p>
      )}
      {list.error && list.messages.length === 0 ? (
        <ListProblem error={list.error} onClearSearch={props.onClearSearch} />
      ) : list.loaded && list.query && list.messages.length === 0 ? (
        <div class="list-empty">
          <p>
            No messages match <code>{list.query}</code>.
          </p>
          <button type="button" class="button" onClick={props.onClearSearch}>
            Back to the inbox
          </button>
        </div>
      ) : (
        <MessageList
          messages={list.messages}
          hasMore={list.nextCursor !== null}
          loadingMore={list.loadingMore}
          cursorId={props.cursorId}
          openId={props.openId}
          now={props.now}
          hrefFor={props.hrefFor}
          onSelect={props.onSelect}
          onLoadMore={props.onLoadMore}
        />
      )}
    </main>
  );
}

function ListCount({ list }: { list: ListState }) {
  const noun = list.query
    ? list.total === 1
      ? 'match'
      : 'matches'
    : list.total === 1
      ? 'message'
      : 'messages';
  return (
    <>
      {formatCount(list.total)}
      {list.totalCapped ? '+' : ''} {noun}
      {list.unread > 0 && <> · {formatCount(list.unread)} unread</>}
    </>
  );
}

/** The one thing said when the list could not be fetched: what is wrong, and a way out. */
function ListProblem({ error, onClearSearch }: { error: ListError; onClearSearch: () => void }) {
  return (
    <div
      class="list-empty list-problem"
      role="alert"
      id={error.inQuery ? SEARCH_PROBLEM_ID : undefined}
    >
      <p>
        <strong>{error.inQuery ? 'This search cannot run:' : 'Could not load messages:'}</strong>{' '}
        {error.message}
      </p>
      {error.inQuery && (
        <p class="muted small">
          Search words, "phrases", from: to: cc: subject: body: filename:, has:attachment, is:read,
          is:unread, before: and after: (YYYY-MM-DD), and -term to leave one out.
        </p>
      )}
      <button type="button" class="button" onClick={onClearSearch}>
        Back to the inbox
      </button>
    </div>
  );
}
