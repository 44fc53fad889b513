import { ApiError, api } from '../lib/api.js';
import { correlated, wholeStream } from '../lib/events.js';
import { byPosition, duration, relative } from '../lib/format.js';
import { Component, html } from '../lib/html.js';
import { reloadOnEvents, seen } from '../lib/live.js';
import { href } from '../lib/router.js';
import { sagaIdOf, sagaLogStream, sagaOrigin, stepsRecordedBy } from '../lib/saga-events.js';
import { retrySaga } from './dead-letters.js';
import { CorrelationLink, EventLink, Heading, Loading, Problem, Status, StreamLink, TableWrap, Time } from './parts.js';

/**
 * The saga's events: those of every request that touched it (each correlation id seen in its own streams: the order
 * or market, and the saga's log of failures and retries), kept where they are about this saga, by position.
 */
const eventsOfSaga = async (saga) => {
  const origin = sagaOrigin(saga);
  const own = [...(await wholeStream(origin.stream)), ...(await wholeStream(sagaLogStream(saga.id)))];
  // A market's events before its resolution (positions taken) belong to no saga.
  const started = own.find((event) => event.stream === origin.stream && event.type === origin.type);
  const relevant = own.filter((event) => event.stream !== origin.stream || !started || BigInt(event.revision) >= BigInt(started.revision));
  // Each correlation from its first event in these streams: nothing of a request comes before the request's first event.
  const firstOf = new Map();
  for (const event of relevant) {
    const first = firstOf.get(event.metadata.correlationId);
    if (first === undefined || BigInt(event.position) < BigInt(first)) firstOf.set(event.metadata.correlationId, event.position);
  }
  const byId = new Map();
  for (const event of own) byId.set(event.eventId, event);
  for (const [correlationId, from] of firstOf) for (const event of await correlated(correlationId, from)) byId.set(event.eventId, event);
  const before = (event) => started !== undefined && event.stream === origin.stream && BigInt(event.revision) < BigInt(started.revision);
  return [...byId.values()]
    .filter((event) => !before(event) && (sagaIdOf(event) === saga.id || event.stream === origin.stream || event.stream === sagaLogStream(saga.id)))
    .sort(byPosition);
};

/** What the saga is about, in one line: the order's status (and why it was cancelled) or the market's. */
const Outcome = ({ saga, resource }) => {
  if (!resource) return null;
  if (saga.type === 'order-fulfilment')
    return html`<p class="outcome" data-order-status=${resource.status}>
      Order <strong>${resource.status}</strong>${resource.cancellationReason ? html` (${resource.cancellationReason})` : null}<span class="sep" aria-hidden="true">·</span><a href=${href(['time-travel'], { kind: 'order', id: saga.id })}>Time travel this order</a>
    </p>`;
  return html`<p class="outcome">Market <strong>${resource.status}</strong>${resource.winningOutcome ? html`, won by “${resource.winningOutcome}”` : null}<span class="sep" aria-hidden="true">·</span><a href=${href(['time-travel'], { kind: 'market', id: saga.id })}>Time travel this market</a></p>`;
};

const Step = ({ step, recordedBy, causes }) => html`<li class=${`step step-${step.status}`} data-step=${step.name}>
  <div class="step-head">
    <span class="mono step-name">${step.name}</span>
    <${Status} value=${step.status} />
    <span class="muted">${step.attempts} ${step.attempts === 1 ? 'attempt' : 'attempts'}</span>
    <${Time} at=${step.at} />
  </div>
  ${step.error ? html`<p class="error-text">Error: ${step.error}</p>` : null}
  <dl class="links">
    <dt>Caused by</dt>
    <dd>${causes.length === 0 ? html`<span class="muted">—</span>` : causes.map((event) => html`<${EventLink} event=${event} /> `)}</dd>
    <dt>Recorded by</dt>
    <dd>${recordedBy.length === 0 ? html`<span class="muted">nothing yet</span>` : recordedBy.map((event) => html`<${EventLink} event=${event} /> `)}</dd>
  </dl>
</li>`;

/** One saga: its steps in time order, each linked to the events that caused and recorded it; its pending timeout. */
export class SagaTimeline extends Component {
  state = { saga: null, resource: null, events: [], error: null, notFound: false, retrying: false, message: null, now: Date.now() };

  componentDidMount() {
    void this.load();
    this.stopLive = reloadOnEvents((event) => sagaIdOf(event) === this.props.id || this.correlations?.has(event.metadata?.correlationId), this.load);
    this.clock = setInterval(() => this.state.saga?.status === 'running' && this.setState({ now: Date.now() }), 1000);
  }

  componentWillUnmount() {
    this.stopLive();
    clearInterval(this.clock);
    this.unmounted = true;
  }

  load = async (position) => {
    const { id } = this.props;
    try {
      const saga = (await api(`/api/v1/sagas/${encodeURIComponent(id)}`, seen(position))).body;
      const [resource, events] = await Promise.all([
        api(`/api/v1/${saga.type === 'market-settlement' ? 'markets' : 'orders'}/${encodeURIComponent(id)}`, seen(position)).then(
          (answer) => answer.body,
          () => null,
        ),
        eventsOfSaga(saga),
      ]);
      this.correlations = new Set(events.map((event) => event.metadata.correlationId));
      if (!this.unmounted) this.setState({ saga, resource, events, error: null, notFound: false, now: Date.now() });
    } catch (error) {
      if (this.unmounted) return;
      if (error instanceof ApiError && error.status === 404) this.setState({ notFound: true });
      else this.setState({ error });
    }
  };

  retry = async () => {
    this.setState({ retrying: true, message: null, error: null });
    try {
      const { steps, position } = await retrySaga(this.props.id);
      this.setState({ message: `Retry asked for: ${steps.join(', ')}.` });
      await this.load(position);
    } catch (error) {
      this.setState({ error });
    } finally {
      this.setState({ retrying: false });
    }
  };

  render({ id }, { saga, resource, events, error, notFound, retrying, message, now }) {
    if (notFound)
      return html`<main id="main" class="page"><${Heading}>Saga not found</${Heading}><p>No saga has the id <span class="mono">${id}</span> (yet). <a href="#/">Back to the overview</a>.</p></main>`;
    if (!saga) return html`<main id="main" class="page"><${Heading}>Saga</${Heading}><${Problem} error=${error} />${error ? null : html`<${Loading} what="Loading the saga" />`}</main>`;
    const byId = new Map(events.map((event) => [event.eventId, event]));
    const steps = saga.steps
      .map((step, index) => ({ step, index }))
      .sort((a, b) => Date.parse(a.step.at) - Date.parse(b.step.at) || a.index - b.index)
      .map(({ step }) => {
        const recordedBy = events.filter((event) => stepsRecordedBy(event).includes(step.name));
        const causes = [...new Map(recordedBy.map((event) => byId.get(event.metadata.causationId)).filter(Boolean).map((event) => [event.eventId, event])).values()];
        return { step, recordedBy, causes };
      });
    const correlation = events[0]?.metadata.correlationId;
    return html`
      <main id="main" class="page saga">
        <${Heading}>Saga <span class="mono">${id}</span></${Heading}>
        <div class="saga-summary" data-saga-status=${saga.status}>
          <${Status} value=${saga.status} />
          <span>${saga.type}</span>
          <span>started <${Time} at=${saga.startedAt} /></span>
          <span>${saga.status === 'running' ? `running for ${duration(now - Date.parse(saga.startedAt))}` : `took ${duration(Date.parse(saga.updatedAt) - Date.parse(saga.startedAt))}`}</span>
          ${correlation ? html`<span>correlation <${CorrelationLink} id=${correlation} /></span>` : null}
        </div>
        <${Outcome} saga=${saga} resource=${resource} />
        ${saga.pendingTimeout
          ? html`<p class="timeout" data-pending-timeout=${saga.pendingTimeout.dueAt}>
              Pending timeout: the payment deadline is <${Time} at=${saga.pendingTimeout.dueAt} /> (${relative(saga.pendingTimeout.dueAt, now)}); without a payment outcome by then the order is cancelled.
            </p>`
          : null}
        ${saga.status === 'failed'
          ? html`<p class="retry-row">
              A step ran out of attempts.
              <button type="button" onClick=${this.retry} disabled=${retrying} aria-label=${`Retry saga ${id}`}>${retrying ? 'Retrying…' : 'Retry the failed step'}</button>
            </p>`
          : null}
        <div role="status">${message ? html`<p class="done">${message}</p>` : null}</div>
        <${Problem} error=${error} />
        <section aria-labelledby="steps-heading">
          <h2 id="steps-heading">Steps, in time order</h2>
          <ol class="timeline">
            ${steps.map(({ step, recordedBy, causes }) => html`<${Step} key=${step.name} step=${step} recordedBy=${recordedBy} causes=${causes} />`)}
          </ol>
        </section>
        <section aria-labelledby="saga-events-heading">
          <h2 id="saga-events-heading">Its events</h2>
          <${TableWrap} label="The saga's events">
            <table class="events stacked">
              <thead><tr><th scope="col">Event</th><th scope="col">Recorded</th><th scope="col">Stream</th><th scope="col">Caused by</th></tr></thead>
              <tbody>
                ${events.map((event) => {
                  const cause = byId.get(event.metadata.causationId);
                  return html`<tr>
                    <td data-label="Event"><${EventLink} event=${event} /></td>
                    <td data-label="Recorded"><${Time} at=${event.recordedAt} /></td>
                    <td data-label="Stream"><${StreamLink} stream=${event.stream} /></td>
                    <td data-label="Caused by">${cause ? html`<${EventLink} event=${cause} />` : html`<span class="muted">${event.metadata.causationId === event.metadata.correlationId ? 'the request' : '—'}</span>`}</td>
                  </tr>`;
                })}
              </tbody>
            </table>
          </${TableWrap}>
        </section>
      </main>
    `;
  }
}
