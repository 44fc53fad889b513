import { type RouteTable, routeTable } from '../route-table.js';
import type { JwtAccessTokens } from '../../auth/jwt-access-tokens.js';

/** `GET /.well-known/jwks.json`: the public keys access tokens are signed with, for anyone who verifies them. */
export const jwksRoutes = (tokens: JwtAccessTokens): RouteTable => {
  const router = routeTable();
  router.get('/jwks.json', async (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.json(await tokens.jwks());
  });
  return router;
};
