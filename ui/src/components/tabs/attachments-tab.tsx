import { partUrl, type PartInfo } from '../../api.js';
import { formatSize } from '../../lib/format.js';
import { Icon } from '../icons.js';

/** The types the server will serve inline (see src/web/captured.ts); others download. */
const PREVIEWABLE = /^image\/(png|jpeg|gif|webp|avif|bmp)\b/i;

export function AttachmentsTab({ id, parts }: { id: number; parts: readonly PartInfo[] }) {
  if (parts.length === 0) return <p class="tab-empty">No attachments.</p>;
  return (
    <div class="scroll">
      <ul class="attachments">
        {parts.map((part) => {
          const name = part.filename ?? `part-${part.partId}`;
          const preview = PREVIEWABLE.test(part.contentType);
          return (
            <li key={part.partId} class="attachment" data-part={part.partId}>
              <div class="attachment-preview">
                {preview ? (
                  <img src={partUrl(id, part.partId, true)} alt={name} loading="lazy" />
                ) : (
                  <span class="file-ext">{extension(name, part.contentType)}</span>
                )}
              </div>
              <div class="attachment-info">
                <span class="attachment-name" title={name}>
                  {name}
                </span>
                <span class="muted">
                  {part.contentType} · {formatSize(part.size)}
                  {part.related || part.disposition === 'inline' ? ' · inline' : ''}
                  {part.contentId ? ` · cid:${part.contentId}` : ''}
                </span>
              </div>
              <a
                class="icon-button"
                href={partUrl(id, part.partId, false)}
                download={name}
                title={`Download ${name}`}
                aria-label={`Download ${name}`}
              >
                <Icon name="download" />
              </a>
            </li>
          );
        })}
      </ul>
    </div>
  );
}

function extension(name: string, type: string): string {
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 ? name.slice(dot + 1) : (type.split('/')[1] ?? 'file');
  return ext.slice(0, 4).toUpperCase();
}
