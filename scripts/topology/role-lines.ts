import { prettyFactory } from 'pino-pretty';

/** pino's numbers for its level names. */
export const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity } as const;
export type LevelName = keyof typeof LEVELS;

export interface RoleLines {
  /** The line as a person reads it, every row of it after the role's name; undefined below the level asked for. */
  format(line: string): string | undefined;
}

/**
 * One role's log lines for the terminal the topology runs in: pino's JSON made readable (pino-pretty) and prefixed
 * with the role's name, so that eight processes can share one output. Lines that are not pino's pass as they are.
 */
export const roleLines = (role: string, { level, colorize, width }: { level: LevelName; colorize: boolean; width: number }): RoleLines => {
  const pretty = prettyFactory({ colorize, singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,role' });
  const prefix = `${role.padEnd(width)} | `;
  return {
    format(line) {
      let text = line;
      if (line.startsWith('{')) {
        try {
          const entry = JSON.parse(line) as { level?: unknown };
          if (typeof entry.level === 'number') {
            if (entry.level < LEVELS[level]) return undefined;
            text = pretty(entry).trimEnd();
          }
        } catch {
          // not JSON after all: shown as it is
        }
      }
      return text
        .split('\n')
        .map((row) => prefix + row)
        .join('\n');
    },
  };
};
