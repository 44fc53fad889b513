import { createServer, type RequestListener, type Server } from 'node:http';
import { answerParserError } from '../http/parser-errors.js';
import { describeSystemError, StartupError } from './startup-error.js';

/** Why a server could not listen on PORT, as one line that names the port and the variable to change. */
export const listenFailure = (error: unknown, port: number): StartupError => {
  const code = (error as NodeJS.ErrnoException).code;
  const message =
    code === 'EADDRINUSE'
      ? `port ${port} is in use by another process: stop it, or set PORT to a free port`
      : code === 'EACCES'
        ? `port ${port} needs privileges this process does not have (EACCES): set PORT to a port above 1023`
        : `cannot listen on port ${port} (PORT): ${describeSystemError(error)}`;
  return new StartupError(message, { cause: error });
};

/** An HTTP server for `handler` listening on `port` (all interfaces), or a StartupError saying why it cannot. */
export const listen = (handler: RequestListener, port: number): Promise<Server> =>
  new Promise((resolve, reject) => {
    const server = createServer(handler);
    server.on('clientError', answerParserError);
    const failed = (error: Error) => reject(listenFailure(error, port));
    server.once('error', failed);
    server.listen(port, () => {
      server.off('error', failed);
      resolve(server);
    });
  });
