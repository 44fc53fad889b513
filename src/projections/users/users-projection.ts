import type { RecordedEvent } from '../../application/ports/event-store.js';
import type { ReadDocument } from '../../application/ports/read-store.js';
import type { Role, UserEvent } from '../../domain/users/events.js';
import type { DocumentProjection, Projection } from '../projection.js';

/** A user as queries see it. The password hash never leaves the user stream. */
export interface UserDocument extends ReadDocument {
  email: string;
  name: string;
  roles: Role[];
  createdAt: string;
  /** The user stream's revision: the ETag of `GET /users/:id`. */
  version: number;
}

type Recorded = RecordedEvent & UserEvent;

export const userDocuments: DocumentProjection<Recorded> = {
  collection: 'users',
  eventTypes: ['UserRegistered', 'UserRenamed', 'UserRoleGranted', 'UserPasswordChanged'],
  documentIds: (event) => [event.data.userId],
  evolve(document, event) {
    const version = Number(event.revision);
    if (event.type === 'UserRegistered') {
      const { userId, email, name, roles, registeredAt } = event.data;
      const registered: UserDocument = { id: userId, email, name, roles: [...roles], createdAt: registeredAt, version };
      return registered;
    }
    if (document === null) return null;
    const user = document as UserDocument;
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
