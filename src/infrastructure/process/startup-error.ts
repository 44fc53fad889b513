/**
 * A failure to start (or to keep running) whose message already says what is wrong and where: a bad variable, a port
 * in use, a data directory that cannot be used or is owned by another process. It is reported as that one line,
 * without a stack, and the process exits 1.
 */
export class StartupError extends Error {
  override readonly name: string = 'StartupError';
}

/** Why a file-system or socket call failed, in words, with the code for searching (`permission denied (EACCES)`). */
export const describeSystemError = (error: unknown): string => {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const words: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'read-only file system',
    ENOTDIR: 'a part of the path is a file, not a directory',
    EISDIR: 'it is a directory',
    ENOENT: 'no such file or directory',
    ENOSPC: 'no space left on the device',
    EEXIST: 'a file is in the way',
    EADDRINUSE: 'address already in use',
    EADDRNOTAVAIL: 'address not available',
  };
  if (code !== undefined && words[code] !== undefined) return `${words[code]} (${code})`;
  return error instanceof Error ? error.message : String(error);
};
