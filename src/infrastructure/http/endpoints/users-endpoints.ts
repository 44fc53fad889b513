import { z } from 'zod';
import type { RateLimiter } from '../../../application/ports/rate-limiter.js';
import type { SignIn } from '../../../application/users/sign-in.js';
import type { UsersService } from '../../../application/users/users-service.js';
import { type UserRecord, userRecordOf } from '../../../projections/users/users-projection.js';
import type { AsOf } from '../../../projections/time-travel/as-of.js';
import { UserDocument } from '../../../projections/users/users-projection.js';
import type { ResourceHistory } from '../../../projections/time-travel/resource-history.js';
import type { JwtAccessTokens } from '../../auth/jwt-access-tokens.js';
import { type Answer, commandAnswer, ok } from '../answer.js';
import { notFoundAsOf } from '../as-of.js';
import { endpoint, idParam, named, tag } from '../endpoint.js';
import { isAdmin } from '../middleware/auth.js';
import { clientAddress, rateLimit, tooManyRequests } from '../middleware/rate-limit.js';
import { unauthorized } from '../problem.js';
import type { Principal } from '../request-context.js';
import { plainText } from '../schemas/common.js';

const Users = tag('Users', 'Registration and profiles.');
const Auth = tag('Auth', 'Sign-in (ES256 JWT access tokens) and the public keys that verify them.');

export interface UsersDeps {
  users: UsersService;
  history: ResourceHistory;
}

export interface AuthDeps {
  signIn: SignIn;
  tokens: JwtAccessTokens;
  /** Token requests per client address. */
  perAddress: RateLimiter;
}

/**
 * zod's email check, with blanks around the address allowed (they are dropped): tested on the string as sent, so the
 * document's `pattern` is the very check the server makes (a `format: email` would be another validator's idea).
 */
const EMAIL = new RegExp(`^\\s*(?:${z.regexes.email.source.slice(1, -1)})\\s*$`);
const Email = z.string().max(254).regex(EMAIL, 'Invalid email address').trim().meta({ description: 'an email address; blanks around it are dropped' });
const Name = plainText().trim().min(1).max(100);

const RegisterUserBody = named('RegisterUserBody', z.strictObject({ email: Email, password: z.string().min(8).max(128), name: Name }));
/** Any password is checked (a wrong one is 401, not 400); the bound only keeps hashing cheap. */
const TokenRequestBody = named('TokenRequestBody', z.strictObject({ email: Email, password: z.string().min(1).max(1024) }));
const RenameUserBody = named('RenameUserBody', z.strictObject({ name: Name }));

const UserResponse = named('User', UserDocument.omit({ version: true }));
const RegisteredUserResponse = named('RegisteredUser', UserResponse.omit({ createdAt: true }));
const TokenResponse = named('Token', z.object({ accessToken: z.string(), tokenType: z.literal('Bearer'), expiresIn: z.number().int() }));

/** RFC 7517: the public keys access tokens are signed with (ES256, P-256). */
const JwksResponse = named(
  'Jwks',
  z.object({
    keys: z.array(
      z.looseObject({
        kty: z.literal('EC'),
        crv: z.literal('P-256'),
        x: z.string(),
        y: z.string(),
        kid: z.string(),
        alg: z.literal('ES256').optional(),
        use: z.literal('sig').optional(),
      }),
    ),
  }),
);

const userPath = z.object({ id: idParam('user') });

/** The user as the read model has them, or (`?asOf`) as they stood. */
const recordOf = async ({ users, history }: UsersDeps, id: string, asOf: AsOf | undefined): Promise<UserRecord | null> => {
  if (asOf === undefined) return users.get(id);
  const document = await history.user(id, asOf);
  return document && userRecordOf(document);
};

const userAnswer = (record: UserRecord | null, asOf: AsOf | undefined): Answer => {
  if (!record) throw notFoundAsOf('user', asOf);
  return ok(record.user, record.version);
};

const asOfNotFound = 'With `asOf`: it did not exist then, or never had that revision (yet).';

export const registerUser = endpoint({
  operationId: 'registerUser',
  method: 'post',
  path: '/api/v1/users',
  summary: 'Register a customer',
  tags: [Users],
  who: 'anyone',
  body: RegisterUserBody,
  responses: {
    201: { description: 'Registered; `Location` is the user.', schema: RegisteredUserResponse, headers: ['Location', 'ETag', 'X-Position'] },
    409: { description: 'The email is taken (compared case-insensitively).' },
  },
  handle:
    ({ users }: UsersDeps) =>
    async ({ body, context }) => {
      const change = await users.register(body, context);
      const { createdAt: _createdAt, ...registered } = change.user;
      return commandAnswer(201, registered, change, `/api/v1/users/${change.user.id}`);
    },
});

export const getCurrentUser = endpoint({
  operationId: 'getCurrentUser',
  method: 'get',
  path: '/api/v1/users/me',
  summary: 'The signed-in user',
  tags: [Users],
  who: 'signed-in',
  timeTravel: true,
  readModel: 'users',
  responses: {
    200: { description: 'The user.', schema: UserResponse, headers: ['ETag'] },
    404: { description: `The users read model does not know the user yet (send X-Min-Position). ${asOfNotFound}` },
  },
  handle: (deps: UsersDeps) => async ({ principal, asOf }) => userAnswer(await recordOf(deps, principal.userId, asOf), asOf),
});

/** Self, an admin, or one of the platform's services (enrichment). */
const mayRead = (principal: Principal, { id }: { id: string }) => principal.userId === id || isAdmin(principal) || principal.roles.includes('service');

export const getUser = endpoint({
  operationId: 'getUser',
  method: 'get',
  path: '/api/v1/users/{id}',
  summary: 'A user (self or admin)',
  tags: [Users],
  who: 'signed-in',
  params: userPath,
  allow: mayRead,
  timeTravel: true,
  readModel: 'users',
  responses: {
    200: { description: 'The user.', schema: UserResponse, headers: ['ETag'] },
    404: { description: `No such user, or it is neither you nor are you an admin (existence is not leaked). ${asOfNotFound}` },
  },
  handle: (deps: UsersDeps) => async ({ params: { id }, asOf }) => userAnswer(await recordOf(deps, id, asOf), asOf),
});

export const renameUser = endpoint({
  operationId: 'renameUser',
  method: 'patch',
  path: '/api/v1/users/{id}',
  summary: 'Rename yourself',
  tags: [Users],
  who: 'signed-in',
  params: userPath,
  allow: (principal, { id }) => principal.userId === id,
  body: RenameUserBody,
  ifMatch: true,
  responses: {
    200: { description: 'The user.', schema: UserResponse, headers: ['ETag', 'X-Position'] },
    404: { description: 'No such user, or it is not you.' },
  },
  handle:
    ({ users }: UsersDeps) =>
    async ({ params: { id }, body: { name }, context, expectedRevision }) => {
      const change = await users.rename(id, name, context, expectedRevision);
      return commandAnswer(200, change.user, change);
    },
});

export const issueToken = endpoint({
  operationId: 'issueToken',
  method: 'post',
  path: '/api/v1/auth/token',
  summary: 'Sign in: an access token for an email and password',
  tags: [Auth],
  who: 'anyone',
  guards: ({ perAddress }: AuthDeps) => [rateLimit(perAddress, clientAddress)],
  body: TokenRequestBody,
  secret: true,
  responses: {
    200: { description: 'An access token (`Cache-Control: no-store`).', schema: TokenResponse },
    401: { description: 'The email or password is not right.' },
    429: {
      description:
        'Too many failed sign-ins for this email from this address (SIGNIN_FAILURES_PER_EMAIL per 15 min), too many failed sign-ins from this address (SIGNIN_FAILURES_PER_ADDRESS_PER_DAY per day), or too many token requests from this address (SIGNINS_PER_ADDRESS_PER_MIN per min).',
      headers: ['Retry-After'],
    },
  },
  handle:
    ({ signIn, tokens }: AuthDeps) =>
    async ({ body: { email, password }, req }) => {
      const outcome = await signIn.attempt(email, password, clientAddress(req));
      if (!outcome.ok && outcome.reason === 'too_many_failures')
        throw tooManyRequests(
          outcome.retryAfterSeconds,
          outcome.limit === 'email' ? 'too many failed sign-ins for this email from this address; try again later' : 'too many failed sign-ins from this address today',
        );
      if (!outcome.ok) throw unauthorized('the email or password is not right');
      const { token, expiresIn } = await tokens.issue(outcome.user.userId, outcome.user.roles);
      return { status: 200, body: { accessToken: token, tokenType: 'Bearer', expiresIn }, headers: { 'Cache-Control': 'no-store' } };
    },
});

export const getJwks = endpoint({
  operationId: 'getJwks',
  method: 'get',
  path: '/.well-known/jwks.json',
  summary: 'The public keys access tokens are signed with',
  tags: [Auth],
  who: 'anyone',
  responses: { 200: { description: 'A JWK set (ES256, P-256); cacheable for 5 minutes.', schema: JwksResponse } },
  handle:
    ({ tokens }: Pick<AuthDeps, 'tokens'>) =>
    async () => ({ status: 200, body: await tokens.jwks(), headers: { 'Cache-Control': 'public, max-age=300' } }),
});

/** Registration and profiles, in the order they are matched (`/me` before `/{id}`). */
export const usersEndpoints = [registerUser, getCurrentUser, getUser, renameUser];
export const authEndpoints = [issueToken];
export const jwksEndpoints = [getJwks];
