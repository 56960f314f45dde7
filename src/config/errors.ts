import { findOption } from './options.js';

/** A setting that cannot be used. The message names the flag, its env var and what is allowed. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** `--name (SLUICE_NAME)`: how every message about a setting names it. */
export function describeOption(name: string): string {
  const spec = findOption(name);
  if (!spec) throw new Error(`no option named ${name}`);
  return `--${spec.name} (${spec.env})`;
}
