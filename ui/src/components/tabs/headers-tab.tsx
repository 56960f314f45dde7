import { useState } from 'preact/hooks';
import type { MessageDetail } from '../../api.js';

export function HeadersTab({ headers }: { headers: MessageDetail['headers'] }) {
  const [filter, setFilter] = useState('');
  const needle = filter.trim().toLowerCase();
  const shown = needle
    ? headers.filter(
        (h) => h.name.toLowerCase().includes(needle) || h.value.toLowerCase().includes(needle),
      )
    : headers;
  return (
    <div class="headers-tab">
      <div class="subbar">
        <input
          class="filter"
          type="search"
          placeholder="Filter headers"
          aria-label="Filter headers"
          value={filter}
          onInput={(e) => setFilter(e.currentTarget.value)}
        />
        <span class="muted">
          {shown.length === headers.length
            ? headers.length
            : `${shown.length} of ${headers.length}`}{' '}
          headers
        </span>
      </div>
      <div class="scroll">
        <table class="headers-table">
          <tbody>
            {shown.map((h, i) => (
              <tr key={i}>
                <th scope="row">{h.name}</th>
                <td>{h.value}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
