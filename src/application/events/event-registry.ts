import type { z } from 'zod';
import type { RecordedEvent } from '../ports/event-store.js';

/** Turns the payload of version `n` into the payload of version `n + 1`. */
export type Upcaster = (data: unknown) => unknown;

interface Registration {
  schema: z.ZodType;
  version: number;
  /** upcasters[n] lifts version n to n + 1. */
  upcasters: Record<number, Upcaster>;
}

export class UnknownEventTypeError extends Error {
  constructor(readonly eventType: string) {
    super(`no schema registered for event type ${eventType}`);
  }
}

/**
 * One zod schema per event type at its current version, with upcasters from older versions.
 * Payloads are validated before they are appended and upcast to the current version when read.
 */
export class EventRegistry {
  private readonly registrations = new Map<string, Registration>();

  register(type: string, schema: z.ZodType, options: { version?: number; upcasters?: Record<number, Upcaster> } = {}): this {
    this.registrations.set(type, { schema, version: options.version ?? 1, upcasters: options.upcasters ?? {} });
    return this;
  }

  registerAll(schemas: Record<string, z.ZodType>): this {
    for (const [type, schema] of Object.entries(schemas)) this.register(type, schema);
    return this;
  }

  /** Validates a payload about to be appended and gives the schema version to record with it. */
  encode(type: string, data: unknown): { data: unknown; schemaVersion: number } {
    const registration = this.registrations.get(type);
    if (!registration) throw new UnknownEventTypeError(type);
    return { data: registration.schema.parse(data), schemaVersion: registration.version };
  }

  /** Upcasts a stored payload to the current version of its type. Unknown types pass through untouched. */
  decode<Event extends { type: string; data: unknown }>(event: RecordedEvent): RecordedEvent & Event {
    const registration = this.registrations.get(event.type);
    let version = event.metadata.schemaVersion ?? 1;
    if (!registration || version >= registration.version) return event as RecordedEvent & Event;
    let data = event.data;
    while (version < registration.version) {
      const upcast = registration.upcasters[version];
      if (!upcast) throw new Error(`no upcaster for ${event.type} from version ${version}`);
      data = upcast(data);
      version++;
    }
    return { ...event, data } as RecordedEvent & Event;
  }
}
