import { accessSync, constants } from 'node:fs';

/** `process.execve` (Node 22.15+): this process becomes `file`, with the same pid; never returns. */
export type ExecVe = (file: string, args: string[], env: Record<string, string>) => never;

/** Node's execve, where this Node has it. */
export function execveOf(): ExecVe | undefined {
  return (process as { execve?: ExecVe }).execve;
}

/**
 * Whether `file` may be executed by this process. Node 22 and 24 end the process when an exec
 * fails (Node 26 throws), so an exec is tried only on such a file.
 */
export function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** An environment without unset variables, as execve takes it. */
export function definedOnly(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}
