/** What a kind's compiler receives, and the routing-key reader they share. */
import type { Node } from 'yaml';
import type { Block, EndStep } from '../core/playbook.ts';
import type { CompileContext } from './compile-context.ts';
import { fieldOffset, readSlug } from './yaml-reader.ts';
import type { Field } from './yaml-reader.ts';

/** The fields every step has, before its kind adds its own. */
export type StepBaseFields = Omit<EndStep, 'kind'>;

export type BlockCompiler = (items: Node[], path: string, blockId: string, roots: readonly string[]) => Block;

export interface StepInput {
  ctx: CompileContext;
  fields: Map<string, Field>;
  base: StepBaseFields;
  roots: readonly string[];
  path: string;
  offset: number;
  /** The step after this one in its block; where routing goes by default. */
  following: string | null;
  compileBlock: BlockCompiler;
}

/** A step id in a routing key, noted for the block-level checks once every id is known. */
export function readReference(ctx: CompileContext, field: Field, from: string, block: string): string | null {
  const target = readSlug(ctx, field);
  if (target === null) return null;
  ctx.references.push({ from, block, target, offset: fieldOffset(field), path: field.path });
  return target;
}
