import type { Io } from '../../src/cli/cli-context.ts';
import { main } from '../../src/cli/main.ts';

/** Runs the CLI in this process with its output captured (no stdin, not a terminal). */
export async function runCli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    readStdin: async () => '',
    isTTY: false,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}
