import assert from 'node:assert/strict';
import type { UserEvent } from '../../src/domain/users/events.js';
import { usersProjection } from '../../src/projections/users/users-projection.js';
import { projectionSpec, recorder } from '../support/projection-spec.js';

const { given } = projectionSpec(usersProjection);
const userId = 'u-1';

const userEvents = () => {
  const at = recorder<UserEvent>((event) => `user-${event.data.userId}`);
  return {
    registered: at({
      type: 'UserRegistered',
      data: { userId, email: 'Ada@Example.com', name: 'Ada', passwordHash: 'scrypt$secret', roles: ['customer'], registeredAt: '2026-01-02T03:04:05.000Z' },
    }),
    next: at,
  };
};

const document = (overrides: Record<string, unknown> = {}) => ({
  id: userId,
  email: 'Ada@Example.com',
  name: 'Ada',
  roles: ['customer'],
  createdAt: '2026-01-02T03:04:05.000Z',
  version: 0,
  ...overrides,
});

describe('users projection', () => {
  it('creates the user document, without the password hash', async () => {
    const { registered } = userEvents();
    await given().when(registered).then({ users: { [userId]: document() } });
  });

  it('follows a rename', () => {
    const { registered, next } = userEvents();
    return given(registered).when(next({ type: 'UserRenamed', data: { userId, name: 'Ada L.' } })).then({ users: { [userId]: document({ name: 'Ada L.', version: 1 }) } });
  });

  it('adds a granted role once', () => {
    const { registered, next } = userEvents();
    const granted = next({ type: 'UserRoleGranted', data: { userId, role: 'admin' } });
    return given(registered, granted)
      .when(next({ type: 'UserRoleGranted', data: { userId, role: 'admin' } }))
      .then({ users: { [userId]: document({ roles: ['customer', 'admin'], version: 2 }) } });
  });

  it('moves only the version on a password change, so the ETag stays the stream revision', () => {
    const { registered, next } = userEvents();
    return given(registered)
      .when(next({ type: 'UserPasswordChanged', data: { userId, passwordHash: 'scrypt$other' } }))
      .then({ users: { [userId]: document({ version: 1 }) } });
  });

  it('changes nothing when the same event comes again', () => {
    const { registered, next } = userEvents();
    const renamed = next({ type: 'UserRenamed', data: { userId, name: 'Ada L.' } });
    return given(registered, renamed).when(renamed).then({ users: { [userId]: document({ name: 'Ada L.', version: 1 }) } });
  });

  it('ignores events for a user it never saw registered', () =>
    given().when(userEvents().next({ type: 'UserRenamed', data: { userId, name: 'Ghost' } })).then({ users: { [userId]: null } }));

  it('declares the collection it fills', () => assert.deepEqual(usersProjection.collections.map((collection) => collection.name), ['users']));
});
