import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

export const SHORTCUTS: [keys: string[], what: string][] = [
  [['j', '↓'], 'Next (older) message'],
  [['k', '↑'], 'Previous (newer) message'],
  [['Enter'], 'Open the selected message'],
  [['/'], 'Search'],
  [['u'], 'Toggle read / unread'],
  [['Delete'], 'Delete the message'],
  [['Esc'], 'Close / clear the search'],
  [['?'], 'Show these shortcuts'],
];

function Modal(props: { label: string; onClose: () => void; children: ComponentChildren }) {
  return (
    <div class="backdrop" onClick={(e) => e.target === e.currentTarget && props.onClose()}>
      <div class="modal" role="dialog" aria-modal="true" aria-label={props.label}>
        {props.children}
      </div>
    </div>
  );
}

export function ShortcutsOverlay({ onClose }: { onClose: () => void }) {
  return (
    <Modal label="Keyboard shortcuts" onClose={onClose}>
      <h2>Keyboard shortcuts</h2>
      <table class="shortcuts">
        <tbody>
          {SHORTCUTS.map(([keys, what]) => (
            <tr key={what}>
              <td>
                {keys.map((k) => (
                  <kbd key={k}>{k}</kbd>
                ))}
              </td>
              <td>{what}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="modal-actions">
        <button type="button" class="button" onClick={onClose}>
          Close
        </button>
      </div>
    </Modal>
  );
}

export interface ConfirmRequest {
  readonly title: string;
  readonly body: string;
  readonly action: string;
  readonly onConfirm: () => void;
}

export function ConfirmDialog({
  request,
  onClose,
}: {
  request: ConfirmRequest;
  onClose: () => void;
}) {
  const confirmButton = useRef<HTMLButtonElement>(null);
  useEffect(() => confirmButton.current?.focus(), []);
  return (
    <Modal label={request.title} onClose={onClose}>
      <h2>{request.title}</h2>
      <p>{request.body}</p>
      <div class="modal-actions">
        <button type="button" class="button" onClick={onClose}>
          Cancel
        </button>
        <button
          type="button"
          class="button danger"
          ref={confirmButton}
          onClick={() => {
            onClose();
            request.onConfirm();
          }}
        >
          {request.action}
        </button>
      </div>
    </Modal>
  );
}

export function Toast({ text }: { text: string | null }) {
  return (
    <div class="toast" role="status" aria-live="polite" hidden={!text}>
      {text}
    </div>
  );
}
