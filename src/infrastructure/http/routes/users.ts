import { type RouteTable, routeTable } from '../route-table.js';
import type { Response } from 'express';
import { type UserRecord, userRecordOf, type UsersService } from '../../../application/users/users-service.js';
import type { ResourceHistory } from '../../../projections/time-travel/resource-history.js';
import { asOfOf, notFoundAsOf, timeTravel } from '../as-of.js';
import { sendCommandResult } from '../command-response.js';
import { isAdmin, requireSignedIn } from '../middleware/auth.js';
import { minPosition, type ReadModelProgress } from '../middleware/read-your-writes.js';
import { notFoundProblem } from '../problem.js';
import { commandContext, type Principal } from '../request-context.js';
import { RegisterUserBody, RenameUserBody } from '../schemas/users.js';
import { body, etag, ifMatch, pathId, pathIdFirst } from '../validate.js';

export interface UsersRoutesDeps {
  users: UsersService;
  progress: ReadModelProgress;
  history: ResourceHistory;
}

const userId = (raw: unknown): string => pathId(raw, 'user');

/** Self, an admin, or one of the platform's services (enrichment). Anyone else gets 404, never 403: existence is not leaked. */
const mayRead = (principal: Principal, id: string) => principal.userId === id || isAdmin(principal) || principal.roles.includes('service');

const sendUser = (res: Response, record: UserRecord | null) => {
  if (!record) throw notFoundAsOf('user', asOfOf(res));
  res.setHeader('ETag', etag(record.version));
  res.json(record.user);
};

/** Registration and profiles over HTTP: parse, authorise, call the application, answer. */
export const usersRoutes = ({ users, progress, history }: UsersRoutesDeps): RouteTable => {
  const router = routeTable();
  /** The user as the read model has them, or (`?asOf`) as they stood. */
  const recordOf = async (res: Response, id: string): Promise<UserRecord | null> => {
    const asOf = asOfOf(res);
    if (asOf === undefined) return users.get(id);
    const document = await history.user(id, asOf);
    return document && userRecordOf(document);
  };

  router.post('/', async (req, res) => {
    const input = body(req, RegisterUserBody);
    const change = await users.register(input, commandContext(req));
    const { createdAt: _createdAt, ...registered } = change.user;
    sendCommandResult(res, {
      status: 201,
      body: registered,
      position: change.position,
      revision: change.revision,
      location: `/api/v1/users/${change.user.id}`,
    });
  });

  router.get('/me', requireSignedIn, timeTravel, minPosition(progress, 'users'), async (req, res) => {
    sendUser(res, await recordOf(res, req.principal!.userId));
  });

  router.get('/:id', requireSignedIn, timeTravel, pathIdFirst('user'), minPosition(progress, 'users'), async (req, res) => {
    const id = userId(req.params.id);
    if (!mayRead(req.principal!, id)) throw notFoundProblem('no such user');
    sendUser(res, await recordOf(res, id));
  });

  router.patch('/:id', requireSignedIn, async (req, res) => {
    const id = userId(req.params.id);
    if (req.principal!.userId !== id) throw notFoundProblem('no such user');
    const { name } = body(req, RenameUserBody);
    const change = await users.rename(id, name, commandContext(req), ifMatch(req));
    sendCommandResult(res, { status: 200, body: change.user, position: change.position, revision: change.revision });
  });

  return router;
};
