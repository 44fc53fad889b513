import { causationChain, effectsOf } from '../lib/causation.js';
import { correlated, eventAt, KINDS, resourceOfStream } from '../lib/events.js';
import { count } from '../lib/format.js';
import { Component, html } from '../lib/html.js';
import { href } from '../lib/router.js';
import { sagaIdOf } from '../lib/saga-events.js';
import { CorrelationLink, EventLink, Heading, Json, Loading, Problem, SagaLink, StreamLink, Time } from './parts.js';

/** One event: its data and metadata, where it sits, and (on request) the chain of events that caused it. */
export class EventDetail extends Component {
  state = { event: null, missing: false, error: null, chain: null, effects: null, following: false };

  componentDidMount() {
    void this.load();
  }

  componentWillUnmount() {
    this.unmounted = true;
  }

  load = async () => {
    try {
      if (!/^\d+$/.test(this.props.position)) return this.setState({ missing: true });
      const event = await eventAt(this.props.position);
      if (!this.unmounted) this.setState(event ? { event } : { missing: true });
    } catch (error) {
      if (!this.unmounted) this.setState({ error });
    }
  };

  follow = async () => {
    const { event } = this.state;
    this.setState({ following: true, error: null });
    try {
      const events = await correlated(event.metadata.correlationId);
      if (this.unmounted) return;
      const effects = effectsOf(event, events);
      this.setState({ chain: causationChain(event, events), effects }, () => document.getElementById('chain-heading')?.focus());
    } catch (error) {
      this.setState({ error });
    } finally {
      this.setState({ following: false });
    }
  };

  render({ position }, { event, missing, error, chain, effects, following }) {
    if (missing)
      return html`<main id="main" class="page"><${Heading}>No event at position ${position}</${Heading}><p><a href="#/events">To the event browser</a>.</p></main>`;
    if (!event) return html`<main id="main" class="page"><${Heading}>Event #${position}</${Heading}><${Problem} error=${error} />${error ? null : html`<${Loading} what="Loading the event" />`}</main>`;
    const resource = resourceOfStream(event.stream);
    const sagaId = sagaIdOf(event);
    const { correlationId, causationId, ...otherMetadata } = event.metadata;
    return html`
      <main id="main" class="page event">
        <${Heading}>${event.type} <span class="muted">#${count(event.position)}</span></${Heading}>
        <dl class="facts">
          <dt>Stream</dt><dd><${StreamLink} stream=${event.stream} />, revision ${event.revision}</dd>
          <dt>Position</dt><dd>${count(event.position)}</dd>
          <dt>Recorded</dt><dd><${Time} at=${event.recordedAt} /></dd>
          <dt>Event id</dt><dd class="mono">${event.eventId}</dd>
          <dt>Correlation id</dt><dd><${CorrelationLink} id=${correlationId} /> <span class="mono muted">${correlationId}</span></dd>
          <dt>Causation id</dt>
          <dd class="mono">${causationId === correlationId ? html`${causationId} <span class="muted">(the request itself)</span>` : causationId}</dd>
          ${resource
            ? html`<dt>Time travel</dt><dd><a href=${href(['time-travel'], { kind: resource.kind, id: resource.id, revision: event.revision })}>${KINDS[resource.kind].label} as it stood after this event</a></dd>`
            : null}
          ${sagaId ? html`<dt>Saga</dt><dd><${SagaLink} id=${sagaId} /></dd>` : null}
        </dl>
        <div class="two-columns">
          <section aria-labelledby="data-heading"><h2 id="data-heading">Data</h2><${Json} value=${event.data} label="event data" /></section>
          <section aria-labelledby="metadata-heading"><h2 id="metadata-heading">Metadata</h2><${Json} value=${{ correlationId, causationId, ...otherMetadata }} label="event metadata" /></section>
        </div>
        <p>
          <button type="button" onClick=${this.follow} disabled=${following}>${following ? 'Following…' : 'Follow the causation chain'}</button>
          <a class="button-link secondary" href=${href(['events'], { correlationId, from: 'start' })}>Every event of this correlation</a>
        </p>
        <${Problem} error=${error} />
        ${chain
          ? html`<section aria-labelledby="chain-heading" class="chain">
              <h2 id="chain-heading" tabindex="-1">Causation chain</h2>
              <p class="muted small">
                ${chain.complete ? 'From the request (correlation ' : 'As far back as the events of correlation '}<${CorrelationLink} id=${correlationId} />${chain.complete ? ') to this event: each was caused by the one before.' : ' go: a cause is not among them.'}
              </p>
              <ol class="causation-chain">
                ${chain.complete ? html`<li class="muted">the request <span class="mono">${correlationId}</span></li>` : null}
                ${chain.chain.map(
                  (link) => html`<li data-event=${link.eventId} aria-current=${link.eventId === event.eventId ? 'true' : undefined}>
                    <${EventLink} event=${link} /> <span class="muted">on</span> <${StreamLink} stream=${link.stream} /> <span class="muted">at</span> <${Time} at=${link.recordedAt} />
                  </li>`,
                )}
              </ol>
              <h3>What this event caused</h3>
              ${effects.length === 0
                ? html`<p class="empty">Nothing: no event names it as its cause.</p>`
                : html`<ul class="effects">${effects.map((effect) => html`<li><${EventLink} event=${effect} /> <span class="muted">on</span> <${StreamLink} stream=${effect.stream} /></li>`)}</ul>`}
            </section>`
          : null}
      </main>
    `;
  }
}
