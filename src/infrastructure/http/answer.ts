import type { Response } from 'express';
import { writeAnswerHead } from './answer-head.js';
import { etag } from './validate.js';

/** JSON already written out: sent as it is. */
export class JsonText {
  constructor(readonly text: string) {}
}

/** What an endpoint answers; `endpoint-routes.ts` sends it. */
export interface Answer {
  status: number;
  /** Sent as JSON (a `JsonText` as it is); no body when absent. */
  body?: unknown;
  /** A command's: the global position of the last event it appended (`X-Position`, for read-your-writes). */
  position?: bigint;
  /** The stream revision of the one resource answered (`ETag`); a negative one (nothing appended yet) is left out. */
  revision?: bigint | number;
  location?: string;
  headers?: Readonly<Record<string, string>>;
}

/** 200 with `body`, and its `ETag` when it is one resource at a revision. */
export const ok = (body: unknown, revision?: bigint | number): Answer => (revision === undefined ? { status: 200, body } : { status: 200, body, revision });

/** A command's answer: `X-Position`, and the `ETag` of the resource it changed. */
export const commandAnswer = (
  status: number,
  body: unknown,
  change: { position: bigint; revision?: bigint },
  location?: string,
): Answer => ({ status, body, position: change.position, ...(change.revision === undefined ? {} : { revision: change.revision }), ...(location === undefined ? {} : { location }) });

const JSON_TYPE = 'application/json; charset=utf-8';

export const sendAnswer = (res: Response, answer: Answer): void => {
  const headers: string[] = [];
  if (answer.position !== undefined) headers.push('X-Position', answer.position.toString());
  if (answer.revision !== undefined && answer.revision >= 0) headers.push('ETag', etag(answer.revision));
  if (answer.location !== undefined) headers.push('Location', answer.location);
  if (answer.headers) for (const [name, value] of Object.entries(answer.headers)) headers.push(name, value);
  if (answer.body === undefined) {
    writeAnswerHead(res, answer.status, headers);
    return void res.end();
  }
  const text = answer.body instanceof JsonText ? answer.body.text : JSON.stringify(answer.body);
  // A conditional GET is Express's to answer (304 when the ETag matches); any other answer is written as it is,
  // without Express's send (its Content-Type parsing and freshness check are a tenth of a cached GET's time).
  if (isConditional(res)) {
    for (let index = 0; index < headers.length; index += 2) res.setHeader(headers[index]!, headers[index + 1]!);
    res.status(answer.status).setHeader('Content-Type', JSON_TYPE);
    return void res.send(text);
  }
  headers.push('Content-Type', JSON_TYPE, 'Content-Length', String(Buffer.byteLength(text)));
  writeAnswerHead(res, answer.status, headers);
  res.end(text);
};

const isConditional = (res: Response): boolean => {
  const { headers } = res.req;
  return headers['if-none-match'] !== undefined || headers['if-modified-since'] !== undefined;
};

/**
 * An answer made of a read-model document and one other part (an enrichment), written out once and kept beside the
 * document for as long as both stay the same objects. The document cache in front of the read store hands out one
 * frozen object per document until it changes, and the enrichment caches do likewise, so a hot single-resource GET
 * answers text made earlier instead of building and serialising the answer anew (bench:http, GET product).
 */
export const jsonOnce = <Document extends object, Part>(build: (document: Document, part: Part) => unknown) => {
  const kept = new WeakMap<Document, { part: Part; json: JsonText }>();
  return (document: Document, part: Part): JsonText => {
    const known = kept.get(document);
    if (known !== undefined && known.part === part) return known.json;
    const json = new JsonText(JSON.stringify(build(document, part)));
    if (Object.isFrozen(document)) kept.set(document, { part, json });
    return json;
  };
};
