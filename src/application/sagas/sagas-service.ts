import type { SagaType } from '../../../sagas/reaction.js';
import { type SagaStatus, type SagaView, sagaViewOf } from '../../../sagas/saga-status/saga-document.js';
import { sagaLogDecider, sagaLogStream } from '../../../sagas/saga-log/saga-log.js';
import { notFound } from '../../domain/shared/errors.js';
import type { CommandContext } from '../commands/command-context.js';
import type { CommandHandler } from '../commands/command-handler.js';
import type { FindQuery, Page, ReadStore, Scalar } from '../ports/read-store.js';
import { readerOf } from '../../projections/projection.js';
import { sagaDocuments } from '../../../sagas/saga-status/saga-status-projection.js';

const sagaDocumentsRead = readerOf(sagaDocuments);

/** The saga-status view (queries) and an admin's retry of a saga's dead-lettered steps (a command on the saga's log). */
export class SagasService {
  constructor(
    private readonly commands: CommandHandler,
    private readonly readStore: ReadStore,
  ) {}

  async get(sagaId: string): Promise<{ saga: SagaView; version: number } | null> {
    const saga = await sagaDocumentsRead.get(this.readStore, sagaId);
    if (!saga) return null;
    return { saga: sagaViewOf(saga), version: saga.version };
  }

  /** Newest first. */
  async list(query: { type?: SagaType | undefined; status?: SagaStatus | undefined; limit: number; cursor?: string | undefined }): Promise<Page<SagaView>> {
    const where: Record<string, Scalar> = {};
    if (query.type !== undefined) where.type = query.type;
    if (query.status !== undefined) where.status = query.status;
    const find: FindQuery = { where, orderBy: 'startedAt', direction: 'desc', limit: query.limit, cursor: query.cursor };
    const page = await sagaDocumentsRead.find(this.readStore, find);
    return { items: page.items.map(sagaViewOf), nextCursor: page.nextCursor };
  }

  /** Runs the saga's dead-lettered steps again; refused (409) when none has failed. */
  async retry(sagaId: string, context: CommandContext & { userId: string }): Promise<{ steps: string[]; position: bigint }> {
    if (!(await this.readStore.get('sagas', sagaId))) throw notFound('saga_not_found', 'no such saga');
    const result = await this.commands.handle(sagaLogDecider, sagaLogStream(sagaId), { type: 'RetrySaga', data: { sagaId, by: context.userId } }, context);
    const retried = result.events[0];
    return { steps: retried?.type === 'SagaRetried' ? retried.data.steps : [], position: result.position };
  }
}
