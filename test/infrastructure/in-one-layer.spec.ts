import assert from 'node:assert/strict';
import express, { type RequestHandler } from 'express';
import { inOneLayer } from '../../src/infrastructure/http/middleware/in-one-layer.js';

/** Serves `handler` on GET / with an error handler that answers the error's message, and calls it once. */
const serve = async (handler: RequestHandler): Promise<{ status: number; text: string }> => {
  const app = express();
  app.get('/', handler, (_req, res) => void res.send('done'));
  app.use(((error, _req, res, _next) => void res.status(500).send(`error: ${(error as Error).message}`)) as express.ErrorRequestHandler);
  const server = app.listen(0);
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const response = await fetch(`http://127.0.0.1:${(server.address() as { port: number }).port}/`);
    return { status: response.status, text: await response.text() };
  } finally {
    server.close();
  }
};

describe('middleware in one layer', () => {
  it('given middleware calling next at once or later, then each runs in order, then what follows the layer', async () => {
    const seen: string[] = [];
    const answer = await serve(
      inOneLayer(
        (_req, _res, next) => (seen.push('a'), next()),
        (_req, _res, next) => void setImmediate(() => (seen.push('b'), next())),
        (_req, _res, next) => (seen.push('c'), next()),
      ),
    );
    assert.deepEqual(answer, { status: 200, text: 'done' });
    assert.deepEqual(seen, ['a', 'b', 'c']);
  });

  it('given an error passed to next, thrown, or a rejected promise, then it reaches the error handler and nothing after it runs', async () => {
    const after: RequestHandler = () => assert.fail('a handler after the error ran');
    const failures: RequestHandler[] = [
      (_req, _res, next) => next(new Error('passed')),
      () => {
        throw new Error('thrown');
      },
      async () => {
        throw new Error('rejected');
      },
    ];
    for (const failure of failures) {
      const answer = await serve(inOneLayer((_req, _res, next) => next(), failure, after));
      assert.equal(answer.status, 500);
    }
    assert.deepEqual((await serve(inOneLayer(failures[2]!, after))).text, 'error: rejected');
  });

  it('given a handler that throws when called from a callback of the one before it, then the error reaches the error handler', async () => {
    const answer = await serve(
      inOneLayer(
        (_req, _res, next) => void setImmediate(next),
        () => {
          throw new Error('thrown after a callback');
        },
      ),
    );
    assert.deepEqual(answer, { status: 500, text: 'error: thrown after a callback' });
  });
});
