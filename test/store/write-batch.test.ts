import { describe, expect, it } from 'vitest';
import { WriteBatch } from '../../src/store/write-batch.js';

describe('WriteBatch (group commit)', () => {
  it('commits writes submitted in one turn together, answering each in order', async () => {
    const commits: number[][] = [];
    const batch = new WriteBatch<number, string>((items) => {
      commits.push([...items]);
      return items.map((n) => `#${n}`);
    });
    const answers = await Promise.all([1, 2, 3].map((n) => batch.submit(n)));
    expect(answers).toEqual(['#1', '#2', '#3']);
    expect(commits).toEqual([[1, 2, 3]]);
    expect(await batch.submit(4)).toBe('#4');
    expect(commits).toEqual([[1, 2, 3], [4]]);
  });

  it('gives each write its own answer when the shared transaction fails', async () => {
    const batch = new WriteBatch<number, number>((items) => {
      if (items.includes(2)) throw new Error('disk full');
      return items.map((n) => n * 10);
    });
    const results = await Promise.allSettled([1, 2, 3].map((n) => batch.submit(n)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(results[0]).toEqual({ status: 'fulfilled', value: 10 });
    expect(results[2]).toEqual({ status: 'fulfilled', value: 30 });
  });

  it('commits at once when the batch is full', async () => {
    const sizes: number[] = [];
    const batch = new WriteBatch<number, number>((items) => {
      sizes.push(items.length);
      return [...items];
    }, 2);
    await Promise.all([1, 2, 3].map((n) => batch.submit(n)));
    expect(sizes).toEqual([2, 1]);
  });
});
