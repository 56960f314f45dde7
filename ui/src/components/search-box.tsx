import type { Ref } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { formatCount } from '../lib/format.js';
import { Icon } from './icons.js';

const DEBOUNCE_MS = 200;
/** The list's message saying what is wrong with the query, which the input points at. */
export const SEARCH_PROBLEM_ID = 'search-problem';

export interface SearchBoxProps {
  readonly query: string;
  /** Matches for the current query, once known. */
  readonly count: number | null;
  /** What the server said is wrong with the query, when it refused it. */
  readonly invalid: boolean;
  readonly inputRef: Ref<HTMLInputElement>;
  readonly onSearch: (query: string) => void;
}

/** Results as you type: the query goes to the route (and so to the API) after a pause. */
export function SearchBox({ query, count, invalid, inputRef, onSearch }: SearchBoxProps) {
  const [text, setText] = useState(query);
  const sent = useRef(query);
  const timer = useRef<ReturnType<typeof setTimeout>>();

  // The route changed from elsewhere (sidebar, back button): show that query.
  useEffect(() => {
    if (query !== sent.current) {
      sent.current = query;
      setText(query);
    }
  }, [query]);
  useEffect(() => () => clearTimeout(timer.current), []);

  const submit = (value: string) => {
    clearTimeout(timer.current);
    sent.current = value.trim();
    onSearch(sent.current);
  };
  const onInput = (value: string) => {
    setText(value);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => submit(value), DEBOUNCE_MS);
  };
  return (
    <form
      class={`search${invalid ? ' invalid' : ''}`}
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        submit(text);
      }}
    >
      <Icon name="search" />
      <input
        ref={inputRef}
        type="search"
        name="query"
        placeholder="Search mail    from:  to:  subject:  has:attachment  is:unread"
        aria-label="Search messages"
        aria-invalid={invalid}
        aria-describedby={invalid ? SEARCH_PROBLEM_ID : undefined}
        autocomplete="off"
        spellcheck={false}
        value={text}
        onInput={(e) => onInput(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.preventDefault();
            e.stopPropagation();
            if (text) {
              setText('');
              submit('');
            } else e.currentTarget.blur();
          }
        }}
      />
      {query && count !== null && (
        <span class="search-count" aria-live="polite">
          {formatCount(count)} {count === 1 ? 'match' : 'matches'}
        </span>
      )}
      {text && (
        <button
          type="button"
          class="icon-button clear"
          aria-label="Clear search"
          title="Clear search (Esc)"
          onClick={() => {
            setText('');
            submit('');
          }}
        >
          <Icon name="x" size={14} />
        </button>
      )}
    </form>
  );
}
