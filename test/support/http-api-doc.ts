import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root, and its files as text. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const readRepoFile = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

/** The rows of every Markdown table whose header is exactly `columns`, as records (backticks and escapes kept). */
export const tables = (markdown: string, columns: readonly string[]): Record<string, string>[] => {
  const cells = (line: string) =>
    line
      .trim()
      .replace(/^\||\|$/g, '')
      .split(/(?<!\\)\|/)
      .map((cell) => cell.trim());
  const rows: Record<string, string>[] = [];
  const lines = markdown.split('\n');
  for (let index = 0; index < lines.length; index++) {
    if (!lines[index]!.startsWith('|') || cells(lines[index]!).join('|') !== columns.join('|')) continue;
    for (index += 2; index < lines.length && lines[index]!.startsWith('|'); index++) {
      const values = cells(lines[index]!);
      if (values.length !== columns.length) throw new Error(`a row of ${columns.length} cells: ${lines[index]}`);
      rows.push(Object.fromEntries(columns.map((column, at) => [column, values[at]!])));
    }
  }
  return rows;
};

export const unquoted = (cell: string): string => cell.replace(/^`|`$/g, '');
export const list = (cell: string): string[] => (cell === '–' ? [] : cell.split(/[\s,]+/).filter(Boolean));

export type Who = 'anyone' | 'signed-in' | 'admin';

/** A route as docs/http-api.md's tables give it. */
export interface DocumentedRoute {
  /** `POST /api/v1/products/{id}/stock-adjustments` */
  key: string;
  method: string;
  path: string;
  who: Who;
  /** `{id}` for a path parameter, `?name` for a query parameter. */
  parameters: string[];
  statuses: string[];
  what: string;
}

/** Every route of docs/http-api.md, in the order of its tables. */
export const documentedRoutes = (): DocumentedRoute[] =>
  tables(readRepoFile('docs/http-api.md'), ['method', 'path', 'who', 'parameters', 'statuses', 'what']).map((row) => {
    const path = unquoted(row.path!);
    return {
      key: `${row.method} ${path}`,
      method: row.method!,
      path,
      who: row.who as Who,
      parameters: list(row.parameters!),
      statuses: list(row.statuses!),
      what: row.what!,
    };
  });
