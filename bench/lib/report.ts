import type { Row } from './context.js';
import { isCell, type Cell, type Figure } from './stats.js';
import { TARGET_NAMES, TARGETS, type Target } from './servers.js';

function number(value: number): string {
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

export function formatFigure(figure: Figure | undefined): string {
  if (figure === undefined) return '–';
  if (!isCell(figure)) return `n/a (${figure.na})`;
  const spread = figure.runs.length > 1 ? ` (${number(figure.min)}–${number(figure.max)})` : '';
  const warning = figure.warning ? ` ⚠ ${figure.warning}` : '';
  return `${number(figure.median)}${spread}${warning}`;
}

/** How many times better Sluice is than `other`: above 1 means Sluice is ahead. */
export function advantage(row: Row, other: Target): number | null {
  const sluice = row.values.sluice;
  const peer = row.values[other];
  if (!isCell(sluice) || !isCell(peer) || sluice.median === 0 || peer.median === 0) return null;
  return row.better === 'higher' ? sluice.median / peer.median : peer.median / sluice.median;
}

function ratioText(ratio: number | null): string {
  if (ratio === null) return '–';
  return `${ratio >= 10 ? ratio.toFixed(0) : ratio.toFixed(2)}×`;
}

export function targetMet(row: Row): boolean | null {
  const sluice = row.values.sluice;
  if (!row.target || !isCell(sluice)) return null;
  return row.target.op === '>='
    ? sluice.median >= row.target.value
    : sluice.median <= row.target.value;
}

function targetText(row: Row): string {
  if (!row.target) return '';
  const met = targetMet(row);
  const mark = met === null ? '?' : met ? '✅' : '❌';
  return `${row.target.op === '>=' ? '≥' : '≤'} ${number(row.target.value)} ${mark}`;
}

/** Sluice's share of a ceiling's throughput, e.g. "47%"; '–' where it does not apply. */
function shareOf(row: Row, ceiling: Target): string {
  const ratio = advantage(row, ceiling);
  return ratio === null || row.better !== 'higher' ? '–' : `${(ratio * 100).toFixed(0)}%`;
}

/**
 * One table per group: figure, each server that has a figure in it (besides the run's peers),
 * Sluice against MailDev and its share of the two ceilings.
 */
export function renderTables(rows: readonly Row[], peers: readonly Target[]): string {
  const groups = [...new Set(rows.map((r) => r.group))];
  return groups
    .map((group) => {
      const inGroup = rows.filter((r) => r.group === group);
      const targets = TARGETS.filter(
        (t) => peers.includes(t) || inGroup.some((r) => r.values[t] !== undefined),
      );
      const header =
        `| figure | ${targets.map((t) => TARGET_NAMES[t]).join(' | ')} | ratio vs MailDev | ` +
        'share of smtp-server alone | share of smtp-sink | target (Sluice) |';
      const rule = `|${' --- |'.repeat(targets.length + 5)}`;
      const lines = inGroup.map((row) => {
        const cells = targets.map((t) => formatFigure(row.values[t]));
        const vsMailDev = ratioText(advantage(row, 'maildev'));
        return `| ${row.figure} (${row.unit}) | ${cells.join(' | ')} | ${vsMailDev} | ${shareOf(row, 'bare')} | ${shareOf(row, 'sink')} | ${targetText(row)} |`;
      });
      return `### ${group}\n\n${header}\n${rule}\n${lines.join('\n')}\n`;
    })
    .join('\n');
}

export function summarizeTargets(rows: readonly Row[]): string {
  const lines = rows
    .filter((r) => r.target)
    .map((r) => {
      const met = targetMet(r);
      const sluice = r.values.sluice;
      const value = isCell(sluice) ? number((sluice as Cell).median) : formatFigure(sluice);
      return `- ${met === null ? '?' : met ? '✅' : '❌'} ${r.group}: ${r.figure} = ${value} ${r.unit} (target ${r.target!.op === '>=' ? '≥' : '≤'} ${number(r.target!.value)})`;
    });
  return lines.length ? `## Targets\n\n${lines.join('\n')}\n` : '';
}
