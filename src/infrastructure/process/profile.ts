import { join, resolve } from 'node:path';
import { type Config, runsSagas, withoutCredentials } from '../config/config.js';

export interface ProfileSummary {
  /** embedded (SQLite files and in-process jobs), production (EventStoreDB, MongoDB, Redis), memory, or mixed. */
  profile: 'embedded' | 'production' | 'memory' | 'mixed';
  eventStore: string;
  readModels: string;
  jobs: string;
  /** Absent when nothing is kept on disk (memory:). */
  dataDir?: string;
  /** For the roles that run sagas: where payments go. */
  paymentGateway?: string;
}

/** Where this process keeps what, for its startup line: paths made absolute, server URLs without credentials. */
export const describeProfile = (config: Config): ProfileSummary => {
  const url = config.EVENTSTORE_URL;
  const memory = url?.startsWith('memory:') ?? false;
  const dataDir = resolve(config.DATA_DIR);
  const eventsOnServer = url?.startsWith('esdb') ?? false;
  const eventStore = memory
    ? 'memory'
    : eventsOnServer
      ? withoutCredentials(url!)
      : `sqlite ${url?.startsWith('sqlite:') ? resolve(url.slice('sqlite:'.length)) : join(dataDir, 'events.sqlite')}`;
  const readModels = config.MONGODB_URL ? withoutCredentials(config.MONGODB_URL) : memory ? 'memory' : `sqlite ${join(dataDir, 'read-models.sqlite')}`;
  const jobs = config.REDIS_URL ? withoutCredentials(config.REDIS_URL) : 'in-process';
  const servers = [eventsOnServer, config.MONGODB_URL !== undefined, config.REDIS_URL !== undefined];
  const profile = memory && !config.REDIS_URL ? 'memory' : servers.every(Boolean) ? 'production' : servers.some(Boolean) ? 'mixed' : 'embedded';
  return {
    profile,
    eventStore,
    readModels,
    jobs,
    ...(memory ? {} : { dataDir }),
    ...(runsSagas(config.SERVICE_ROLE)
      ? { paymentGateway: config.PAYMENT_GATEWAY_URL ? withoutCredentials(config.PAYMENT_GATEWAY_URL) : 'the bundled simulator' }
      : {}),
  };
};
