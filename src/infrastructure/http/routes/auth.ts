import { type RouteTable, routeTable } from '../route-table.js';
import type { RateLimiter } from '../../../application/ports/rate-limiter.js';
import type { SignIn } from '../../../application/users/sign-in.js';
import type { JwtAccessTokens } from '../../auth/jwt-access-tokens.js';
import { clientAddress, rateLimit, tooManyRequests } from '../middleware/rate-limit.js';
import { unauthorized } from '../problem.js';
import { TokenRequestBody } from '../schemas/users.js';
import { body } from '../validate.js';

export interface AuthRoutesDeps {
  signIn: SignIn;
  tokens: JwtAccessTokens;
  /** Token requests per client address. */
  perAddress: RateLimiter;
}

/** Sign-in: email and password for an access token. */
export const authRoutes = ({ signIn, tokens, perAddress }: AuthRoutesDeps): RouteTable => {
  const router = routeTable();

  router.postSecret('/token', rateLimit(perAddress, clientAddress), async (req, res) => {
    const { email, password } = body(req, TokenRequestBody);
    const outcome = await signIn.attempt(email, password, clientAddress(req));
    if (!outcome.ok && outcome.reason === 'too_many_failures')
      throw tooManyRequests(
        outcome.retryAfterSeconds,
        outcome.limit === 'email' ? 'too many failed sign-ins for this email from this address; try again later' : 'too many failed sign-ins from this address today',
      );
    if (!outcome.ok) throw unauthorized('the email or password is not right');
    const { token, expiresIn } = await tokens.issue(outcome.user.userId, outcome.user.roles);
    res.setHeader('Cache-Control', 'no-store');
    res.json({ accessToken: token, tokenType: 'Bearer', expiresIn });
  });

  return router;
};
