import type { ReadStore } from '../../application/ports/read-store.js';
import { readerOf } from '../projection.js';
import { type UserDocument, userDocuments } from './users-projection.js';

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
