import assert from 'node:assert/strict';
import { normalizeEmail } from '../../src/domain/users/email.js';
import type { UserEvent } from '../../src/domain/users/events.js';
import { userDecider, userStream } from '../../src/domain/users/user.js';
import { deciderSpec } from '../support/decider-spec.js';

const userId = 'u-1';
const registration = {
  userId,
  email: 'Ada@Example.com',
  name: 'Ada',
  passwordHash: 'hash-1',
  roles: ['customer' as const],
  at: '2025-01-01T10:00:00.000Z',
};
const registered = (roles: ('customer' | 'admin')[] = ['customer']): UserEvent => ({
  type: 'UserRegistered',
  data: { userId, email: 'Ada@Example.com', name: 'Ada', passwordHash: 'hash-1', roles, registeredAt: '2025-01-01T10:00:00.000Z' },
});

describe('user decider', () => {
  const { given } = deciderSpec(userDecider);

  it('names its stream user-<id>', () => assert.equal(userStream(userId), 'user-u-1'));

  describe('RegisterUser', () => {
    it('registers a new user', () => given().when({ type: 'RegisterUser', data: registration }).then(registered()));
    it('registers an admin, who is a customer too', () =>
      given().when({ type: 'RegisterUser', data: { ...registration, roles: ['admin'] } }).then(registered(['customer', 'admin'])));
    it('keeps roles distinct', () =>
      given()
        .when({ type: 'RegisterUser', data: { ...registration, roles: ['admin', 'customer', 'admin'] } })
        .then(registered(['customer', 'admin'])));
    it('decides nothing for a user registered already', () =>
      given(registered()).when({ type: 'RegisterUser', data: registration }).thenNothing());
  });

  describe('commands on a missing user', () => {
  // Whether the stream must be new or exist is the command handler's check (`expect`): the decider decides nothing.
    it('decides no rename', () => given().when({ type: 'RenameUser', data: { name: 'Bea' } }).thenNothing());
    it('decides no role grant', () => given().when({ type: 'GrantRole', data: { role: 'admin' } }).thenNothing());
    it('decides no password change', () => given().when({ type: 'ChangePasswordHash', data: { passwordHash: 'h' } }).thenNothing());
  });

  describe('RenameUser', () => {
    it('records the new name', () =>
      given(registered()).when({ type: 'RenameUser', data: { name: 'Ada L.' } }).then({ type: 'UserRenamed', data: { userId, name: 'Ada L.' } }));
    it('records nothing when the name is unchanged', () => given(registered()).when({ type: 'RenameUser', data: { name: 'Ada' } }).thenNothing());
    it('compares with the latest name', () =>
      given(registered(), { type: 'UserRenamed', data: { userId, name: 'Ada L.' } })
        .when({ type: 'RenameUser', data: { name: 'Ada L.' } })
        .thenNothing());
  });

  describe('GrantRole', () => {
    it('grants a role the user lacks', () =>
      given(registered()).when({ type: 'GrantRole', data: { role: 'admin' } }).then({ type: 'UserRoleGranted', data: { userId, role: 'admin' } }));
    it('records nothing for a role registered with', () =>
      given(registered()).when({ type: 'GrantRole', data: { role: 'customer' } }).thenNothing());
    it('records nothing for a role granted before', () =>
      given(registered(), { type: 'UserRoleGranted', data: { userId, role: 'admin' } })
        .when({ type: 'GrantRole', data: { role: 'admin' } })
        .thenNothing());
  });

  describe('ChangePasswordHash', () => {
    it('records a new hash', () =>
      given(registered())
        .when({ type: 'ChangePasswordHash', data: { passwordHash: 'hash-2' } })
        .then({ type: 'UserPasswordChanged', data: { userId, passwordHash: 'hash-2' } }));
    it('records nothing for the current hash (admin ensured at every boot)', () =>
      given(registered()).when({ type: 'ChangePasswordHash', data: { passwordHash: 'hash-1' } }).thenNothing());
    it('compares with the latest hash', () =>
      given(registered(), { type: 'UserPasswordChanged', data: { userId, passwordHash: 'hash-2' } })
        .when({ type: 'ChangePasswordHash', data: { passwordHash: 'hash-2' } })
        .thenNothing());
  });

  describe('state', () => {
    it('keeps what the read side and sign-in need', () => {
      const history: UserEvent[] = [
        registered(),
        { type: 'UserRenamed', data: { userId, name: 'Ada L.' } },
        { type: 'UserRoleGranted', data: { userId, role: 'admin' } },
        { type: 'UserPasswordChanged', data: { userId, passwordHash: 'hash-2' } },
      ];
      assert.deepEqual(history.reduce(userDecider.evolve, userDecider.initialState()), {
        status: 'registered',
        userId,
        email: 'Ada@Example.com',
        name: 'Ada L.',
        roles: ['customer', 'admin'],
        passwordHash: 'hash-2',
        registeredAt: '2025-01-01T10:00:00.000Z',
      });
    });
  });
});

describe('email normalisation', () => {
  it('compares emails trimmed and lower-cased', () => assert.equal(normalizeEmail('  Ada@Example.COM '), 'ada@example.com'));
});
