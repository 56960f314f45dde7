import { Component, h, type FunctionComponent } from 'preact';

/** Skips re-rendering when no prop changed (preact/compat's memo without compat). */
export function memo<P extends object>(render: FunctionComponent<P>): FunctionComponent<P> {
  class Memo extends Component<P> {
    override shouldComponentUpdate(next: P): boolean {
      const previous = this.props as Record<string, unknown>;
      const incoming = next as Record<string, unknown>;
      for (const key in incoming) if (incoming[key] !== previous[key]) return true;
      for (const key in previous) if (!(key in incoming)) return true;
      return false;
    }
    override render(props: P) {
      return h(render, props);
    }
  }
  return Memo as unknown as FunctionComponent<P>;
}
