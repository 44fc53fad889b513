import { api } from '../lib/api.js';
import { Component, html } from '../lib/html.js';
import { reloadOnEvents, seen } from '../lib/live.js';
import { sagaIdOf } from '../lib/saga-events.js';
import { Problem, SagaLink, Time } from './parts.js';

/** Retries a failed saga's dead-lettered steps; answers the steps the server retried, and the position of its retry. */
export const retrySaga = async (id) => {
  const answer = await api(`/api/v1/sagas/${encodeURIComponent(id)}/retry`, { method: 'POST' });
  return { steps: answer.body.retried, position: answer.headers.get('X-Position') ?? undefined };
};

/** A failed saga's step whose attempts ran out, with a button that runs it again. */
export const DeadLetter = ({ saga, retrying, onRetry }) => {
  const failed = saga.steps.filter((step) => step.status === 'failed');
  return html`<li class="dead-letter" data-saga=${saga.id}>
    <div class="dead-letter-head">
      <span>${saga.type} <${SagaLink} id=${saga.id} /></span>
      <button type="button" onClick=${() => onRetry(saga.id)} disabled=${retrying} aria-label=${`Retry saga ${saga.id}`}>${retrying ? 'Retrying…' : 'Retry'}</button>
    </div>
    <ul class="plain">
      ${failed.map(
        (step) => html`<li>
          <span class="mono">${step.name}</span>: ${step.attempts} attempts, the last at <${Time} at=${step.at} />
          ${step.error ? html`<div class="error-text">${step.error}</div>` : null}
        </li>`,
      )}
    </ul>
  </li>`;
};

/** Sagas whose step ran out of attempts (dead letters), each with a retry. */
export class DeadLetters extends Component {
  state = { items: null, error: null, retrying: {}, message: null };

  componentDidMount() {
    void this.load();
    this.stopLive = reloadOnEvents((event) => sagaIdOf(event) !== '', this.load, 1000);
  }

  componentWillUnmount() {
    this.stopLive();
    this.unmounted = true;
  }

  load = async (position) => {
    try {
      const { body } = await api('/api/v1/sagas?status=failed&limit=100', seen(position));
      if (!this.unmounted) this.setState({ items: body.items, error: null });
    } catch (error) {
      if (!this.unmounted) this.setState({ error });
    }
  };

  retry = async (id) => {
    this.setState({ retrying: { ...this.state.retrying, [id]: true }, message: null, error: null });
    try {
      const { steps, position } = await retrySaga(id);
      this.setState({ message: `Retry of saga ${id} asked for: ${steps.join(', ')}.` });
      await this.load(position);
    } catch (error) {
      this.setState({ error });
    } finally {
      const { [id]: _done, ...retrying } = this.state.retrying;
      this.setState({ retrying });
    }
  };

  render(_props, { items, error, retrying, message }) {
    return html`
      <section class="panel" aria-labelledby="dead-letters-heading">
        <h2 id="dead-letters-heading">Dead letters ${items ? html`<span class="count">${items.length}</span>` : null}</h2>
        <p class="muted small">Sagas with a step whose attempts ran out. Fix the cause, then retry: the step runs again.</p>
        <div role="status">${message ? html`<p class="done">${message}</p>` : null}</div>
        <${Problem} error=${error} />
        ${items && items.length === 0 ? html`<p class="empty">None: every saga is running or done.</p>` : null}
        ${items && items.length > 0
          ? html`<ul class="plain dead-letters">
              ${items.map((saga) => html`<${DeadLetter} key=${saga.id} saga=${saga} retrying=${Boolean(retrying[saga.id])} onRetry=${this.retry} />`)}
            </ul>`
          : null}
      </section>
    `;
  }
}
