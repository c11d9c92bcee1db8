import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { diffStats, lineDiff, withContext, type DiffLine } from '../../web/src/playbook-editor/diff.ts';

const render = (lines: DiffLine[]) =>
  lines.map((l) => `${l.op === 'same' ? ' ' : l.op === 'add' ? '+' : '-'}${l.text}`);

describe('line diff', () => {
  it('finds the changed lines with their line numbers on both sides', () => {
    const diff = lineDiff('a\nb\nc\nd\n', 'a\nc\nd\ne\n');
    assert.deepEqual(render(diff), [' a', '-b', ' c', ' d', '+e']);
    assert.deepEqual(
      diff.map((l) => [l.oldLine ?? null, l.newLine ?? null]),
      [
        [1, 1],
        [2, null],
        [3, 2],
        [4, 3],
        [null, 4],
      ],
    );
    assert.deepEqual(diffStats(diff), { added: 1, removed: 1 });
  });

  it('handles empty texts and identical texts', () => {
    assert.deepEqual(render(lineDiff('', 'x\ny')), ['+x', '+y']);
    assert.deepEqual(render(lineDiff('x\ny', '')), ['-x', '-y']);
    assert.deepEqual(render(lineDiff('same\n', 'same\n')), [' same']);
    assert.deepEqual(lineDiff('', ''), []);
  });

  it('is minimal: a replaced line is one deletion and one addition', () => {
    const diff = lineDiff('id: x\nuses: a.b\nwith: 1', 'id: x\nuses: a.c\nwith: 1');
    assert.deepEqual(render(diff), [' id: x', '-uses: a.b', '+uses: a.c', ' with: 1']);
  });

  it('always rebuilds both texts, and never changes more than it must (property)', () => {
    const line = fc.constantFrom('a', 'b', 'c', 'd', '');
    fc.assert(
      fc.property(fc.array(line, { maxLength: 25 }), fc.array(line, { maxLength: 25 }), (a, b) => {
        // Each element is one line; a newline ends every line.
        const text = (lines: string[]) => lines.map((l) => `${l}\n`).join('');
        const diff = lineDiff(text(a), text(b));
        assert.deepEqual(
          diff.filter((l) => l.op !== 'add').map((l) => l.text),
          a,
        );
        assert.deepEqual(
          diff.filter((l) => l.op !== 'del').map((l) => l.text),
          b,
        );
        // Minimal: the unchanged lines are a longest common subsequence.
        const same = diff.filter((l) => l.op === 'same').length;
        assert.equal(same, lcsLength(a, b));
      }),
      { numRuns: 300 },
    );
  });

  it('shows changes with a few lines of context and marks what it leaves out', () => {
    const old = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`).join('\n');
    const changed = old.replace('line 10', 'line ten');
    const shown = withContext(lineDiff(old, changed), 2);
    assert.deepEqual(
      shown.map((l) => (l === null ? '…' : `${l.op === 'same' ? ' ' : l.op === 'add' ? '+' : '-'}${l.text}`)),
      ['…', ' line 8', ' line 9', '-line 10', '+line ten', ' line 11', ' line 12', '…'],
    );
  });
});

/** Reference: the textbook dynamic-programming LCS length. */
function lcsLength(a: string[], b: string[]): number {
  const table = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      table[i]![j] =
        a[i - 1] === b[j - 1] ? table[i - 1]![j - 1]! + 1 : Math.max(table[i - 1]![j]!, table[i]![j - 1]!);
  return table[a.length]![b.length]!;
}
