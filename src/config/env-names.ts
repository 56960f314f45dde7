import { OPTIONS } from './options.js';
import { closestName } from './suggest.js';

/** SLUICE_* variables read besides the options' own. */
const OTHER_VARIABLES = ['SLUICE_RELAY_URL'];

/**
 * A SLUICE_* variable that is a misspelling of one Sluice reads (SLUICE_MAX_MESAGES),
 * which would otherwise be ignored without a word. Other SLUICE_* names are left alone:
 * they may be a secret that the config file names (`password_env`) or belong to a script.
 */
export function misspeltVariable(
  env: Readonly<Record<string, string | undefined>>,
  referenced: ReadonlySet<string>,
): { readonly name: string; readonly meant: string } | null {
  const known = [...OPTIONS.map((o) => o.env), ...OTHER_VARIABLES];
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith('SLUICE_') || known.includes(name) || referenced.has(name)) continue;
    const meant = closestName(name, known);
    if (meant) return { name, meant };
  }
  return null;
}

/** The variable names a config section refers to by its `*_env` keys. */
export function referencedVariables(section: unknown): Set<string> {
  const names = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (value === null || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value)) {
      if (key.endsWith('_env') && typeof child === 'string') names.add(child);
      else visit(child);
    }
  };
  visit(section);
  return names;
}
