import { z } from 'zod';
import type { RecordedEvent } from '../../application/ports/event-store.js';
import { Role, type UserEvent } from '../../domain/users/events.js';
import { type DocumentProjection, type Projection, readerOf } from '../projection.js';
import type { ReadStore } from '../../application/ports/read-store.js';

/** A user as queries see it. The password hash never leaves the user stream. */
export const UserDocument = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  roles: z.array(Role),
  createdAt: z.string(),
  /** The user stream's revision: the ETag of `GET /users/:id`. */
  version: z.number().int(),
});
export type UserDocument = z.infer<typeof UserDocument>;

type Recorded = RecordedEvent & UserEvent;

export const userDocuments: DocumentProjection<Recorded, UserDocument> = {
  collection: 'users',
  eventTypes: ['UserRegistered', 'UserRenamed', 'UserRoleGranted', 'UserPasswordChanged'],
  documentIds: (event) => [event.data.userId],
  evolve(user, event) {
    const version = Number(event.revision);
    if (event.type === 'UserRegistered') {
      const { userId, email, name, roles, registeredAt } = event.data;
      return { id: userId, email, name, roles: [...roles], createdAt: registeredAt, version };
    }
    if (user === null) return null;
    switch (event.type) {
      case 'UserRenamed':
        return { ...user, name: event.data.name, version };
      case 'UserRoleGranted':
        return { ...user, roles: user.roles.includes(event.data.role) ? user.roles : [...user.roles, event.data.role], version };
      case 'UserPasswordChanged':
        // Only the revision moves, so the ETag stays the stream's; the hash is not copied.
        return { ...user, version };
    }
  },
};

export const usersProjection: Projection = {
  name: 'users',
  collections: [{ name: 'users', indexes: ['email', 'createdAt'] }],
  documents: [userDocuments],
};

/** A user as the API shows it: never the password hash. */
export type UserView = Omit<UserDocument, 'version'>;

/** A user as the API shows it, and the user stream's revision (its ETag). */
export interface UserRecord {
  user: UserView;
  version: number;
}

const users = readerOf(userDocuments);

/** A `users` document (the read model's, or one as it stood) as the API shows it, with its revision. */
export const userRecordOf = ({ id, email, name, roles, createdAt, version }: UserDocument): UserRecord => ({
  user: { id, email, name, roles, createdAt },
  version,
});

export const userById = async (store: ReadStore, userId: string): Promise<UserRecord | null> => {
  const document = await users.get(store, userId);
  return document && userRecordOf(document);
};
