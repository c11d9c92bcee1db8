import { loadConfig } from '../config.ts';
import { openRiposte, type Riposte } from '../riposte.ts';

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whole standard input, for passwords and piped files. */
  readStdin: () => Promise<string>;
  isTTY: boolean;
}

export const processIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
  isTTY: process.stderr.isTTY === true,
};

export class UsageError extends Error {}

/** Runs a command body against an opened Riposte (migrated), closing it afterwards. */
export async function withRiposte<T>(body: (riposte: Riposte) => Promise<T>): Promise<T> {
  const riposte = await openRiposte(loadConfig());
  try {
    return await body(riposte);
  } finally {
    await riposte.close();
  }
}

export const CLI_ACTOR = { id: `cli:${process.env.USER ?? 'unknown'}`, type: 'cli' as const };
