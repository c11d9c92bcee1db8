/** A block: a list of steps where control falls through to the following step unless routed. */
import { isMap } from 'yaml';
import type { Node } from 'yaml';
import type { CompileContext } from './compile-context.ts';
import { compileStep } from './compile-step.ts';
import type { BlockCompiler } from './step-input.ts';
import { childPath, SLUG } from './yaml-reader.ts';

export function createBlockCompiler(ctx: CompileContext): BlockCompiler {
  const compileBlock: BlockCompiler = (
    items: Node[],
    path: string,
    blockId: string,
    roots: readonly string[],
  ) => {
    // Ids are read ahead so each step knows the one after it (its default `next`).
    const ids = items.map((node) => {
      const id: unknown = isMap(node) ? node.get('id') : undefined;
      return typeof id === 'string' && SLUG.test(id) ? id : null;
    });
    items.forEach((node, index) => {
      compileStep(ctx, node, childPath(path, index), blockId, roots, ids[index + 1] ?? null, compileBlock);
    });
    const steps = ids.filter((id): id is string => id !== null);
    ctx.blocks.push({ id: blockId, steps });
    return { id: blockId, entry: ids[0] ?? null, steps };
  };
  return compileBlock;
}
