import { userEventSchemas } from '../../domain/users/events.js';
import { ensureAdmin } from '../../application/users/ensure-admin.js';
import { SignIn } from '../../application/users/sign-in.js';
import { UsersService } from '../../application/users/users-service.js';
import { usersProjection } from '../../projections/users/users-projection.js';
import { JwtAccessTokens } from '../auth/jwt-access-tokens.js';
import { ScryptPasswordHasher } from '../auth/scrypt-password-hasher.js';
import { keySourceOf } from '../auth/signing-keys.js';
import { TOKENS } from '../container/tokens.js';
import { HttpUserDirectory } from '../http-client/http-user-directory.js';
import { authEndpoints, jwksEndpoints, usersEndpoints } from '../http/endpoints/users-endpoints.js';
import { createRateLimiterFactory } from '../rate-limit/create-rate-limiter.js';
import { moduleRoutes, type PlatformModule } from './platform-module.js';

const FIFTEEN_MINUTES = 15 * 60;
const ONE_DAY = 24 * 60 * 60;

/** Users and auth: registration, profiles, sign-in (JWT), the JWKS document, and the user directory other contexts enrich with. */
export const usersModule: PlatformModule = {
  name: 'users',
  serves: 'users-api',
  events: userEventSchemas,
  bind(container, config) {
    container.bind(TOKENS.PasswordHasher).toConstantValue(new ScryptPasswordHasher());
    container.bind(TOKENS.AccessTokens).toConstantValue(
      new JwtAccessTokens({ keys: keySourceOf(config), issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, ttlSeconds: config.JWT_TTL_SECONDS }),
    );
    container.bind(TOKENS.AccessTokenVerifier).toService(TOKENS.AccessTokens);
    container.bind(TOKENS.RateLimiters).toDynamicValue((ctx) => createRateLimiterFactory(config, () => ctx.get(TOKENS.Redis)));
    container
      .bind(TOKENS.UsersService)
      .toDynamicValue(
        (ctx) =>
          new UsersService(
            ctx.get(TOKENS.CommandHandler),
            ctx.get(TOKENS.UniqueClaims),
            ctx.get(TOKENS.EventStore),
            ctx.get(TOKENS.ReadStore),
            ctx.get(TOKENS.PasswordHasher),
          ),
      );
    container.bind(TOKENS.SignIn).toDynamicValue(
      (ctx) =>
        new SignIn(
          ctx.get(TOKENS.UsersService),
          ctx.get(TOKENS.PasswordHasher),
          {
            perEmailAndAddress: ctx.get(TOKENS.RateLimiters)({
              name: 'signin_failures_per_email_and_address',
              points: config.SIGNIN_FAILURES_PER_EMAIL,
              durationSeconds: FIFTEEN_MINUTES,
            }),
            perAddress: ctx.get(TOKENS.RateLimiters)({
              name: 'signin_failures_per_address_per_day',
              points: config.SIGNIN_FAILURES_PER_ADDRESS_PER_DAY,
              durationSeconds: ONE_DAY,
            }),
          },
        ),
    );
    container.bind(TOKENS.UserDirectory).toDynamicValue(
      (ctx) =>
        new HttpUserDirectory({
          // USERS_API_URL when the users API runs elsewhere; else this very server, once it listens.
          baseUrl: () => config.USERS_API_URL ?? (container.isBound(TOKENS.OwnUrl) ? container.get(TOKENS.OwnUrl).get() : undefined),
          token: () => ctx.get(TOKENS.AccessTokens).serviceToken('user-directory'),
          logger: ctx.get(TOKENS.Logger),
        }),
    );
  },
  projections: [usersProjection],
  publicRoutes: [moduleRoutes('/.well-known', jwksEndpoints, (container) => ({ tokens: container.get(TOKENS.AccessTokens) }))],
  routes: [
    moduleRoutes('/api/v1/users', usersEndpoints, (container) => ({ users: container.get(TOKENS.UsersService), history: container.get(TOKENS.ResourceHistory) })),
    moduleRoutes('/api/v1/auth', authEndpoints, (container) => ({
      signIn: container.get(TOKENS.SignIn),
      tokens: container.get(TOKENS.AccessTokens),
      perAddress: container.get(TOKENS.RateLimiters)({
        name: 'token_requests_per_address',
        points: container.get(TOKENS.Config).SIGNINS_PER_ADDRESS_PER_MIN,
        durationSeconds: 60,
      }),
    })),
  ],
  async start(container) {
    // Load (or make) the signing key now: a bad key fails the boot, not the first request.
    await container.get(TOKENS.AccessTokens).ready();
    const { ADMIN_EMAIL, ADMIN_PASSWORD } = container.get(TOKENS.Config);
    if (ADMIN_EMAIL && ADMIN_PASSWORD)
      await ensureAdmin(container.get(TOKENS.UsersService), container.get(TOKENS.PasswordHasher), { email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
  },
};
