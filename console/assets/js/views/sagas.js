import { api, withQuery } from '../lib/api.js';
import { Component, html } from '../lib/html.js';
import { reloadOnEvents, seen } from '../lib/live.js';
import { href } from '../lib/router.js';
import { sagaIdOf } from '../lib/saga-events.js';
import { Problem, SagaLink, Status, TableWrap, Time } from './parts.js';

const TYPES = ['order-fulfilment', 'market-settlement'];
const STATUSES = ['running', 'completed', 'compensated', 'failed'];
/** Counts are pages of sagas counted; past this many pages a count reads `1000+`. */
const COUNT_PAGES = 10;

const countOf = async (type, status, position) => {
  let total = 0;
  let cursor;
  for (let page = 0; page < COUNT_PAGES; page++) {
    const { body } = await api(withQuery('/api/v1/sagas', { type, status, limit: 100, cursor }), seen(position));
    total += body.items.length;
    if (!body.nextCursor) return String(total);
    cursor = body.nextCursor;
  }
  return `${total}+`;
};

const stepSummary = (steps) => {
  const done = steps.filter((step) => step.status === 'succeeded' || step.status === 'rejected').length;
  return `${done} of ${steps.length}`;
};

/** Every saga by type and status (a count per pair), and the newest ones, filtered, each linking to its timeline. */
export class Sagas extends Component {
  state = { counts: null, items: null, nextCursor: null, error: null };

  componentDidMount() {
    void this.load();
    this.stopLive = reloadOnEvents((event) => sagaIdOf(event) !== '', this.load, 1000);
  }

  componentDidUpdate(previous) {
    if (previous.type !== this.props.type || previous.status !== this.props.status) void this.load(undefined);
  }

  componentWillUnmount() {
    this.stopLive();
    this.unmounted = true;
  }

  load = async (position) => {
    const { type, status } = this.props;
    try {
      const [counts, { body }] = await Promise.all([
        Promise.all(TYPES.map(async (kind) => [kind, await Promise.all(STATUSES.map((state) => countOf(kind, state, position)))])),
        api(withQuery('/api/v1/sagas', { type, status, limit: 20 }), seen(position)),
      ]);
      if (!this.unmounted) this.setState({ counts: Object.fromEntries(counts), items: body.items, nextCursor: body.nextCursor, error: null });
    } catch (error) {
      if (!this.unmounted) this.setState({ error });
    }
  };

  more = async () => {
    const { type, status } = this.props;
    try {
      const { body } = await api(withQuery('/api/v1/sagas', { type, status, limit: 20, cursor: this.state.nextCursor }));
      this.setState({ items: [...this.state.items, ...body.items], nextCursor: body.nextCursor });
    } catch (error) {
      this.setState({ error });
    }
  };

  filter = (event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    location.hash = href([], { type: form.get('type'), status: form.get('status') });
  };

  render({ type, status }, { counts, items, nextCursor, error }) {
    return html`
      <section class="panel" aria-labelledby="sagas-heading">
        <h2 id="sagas-heading">Sagas</h2>
        <${Problem} error=${error} />
        ${counts
          ? html`<${TableWrap} label="Sagas by type and status">
              <table class="counts stacked">
                <thead><tr><th scope="col">Type</th>${STATUSES.map((state) => html`<th scope="col" class="num">${state}</th>`)}</tr></thead>
                <tbody>
                  ${TYPES.map(
                    (kind) => html`<tr>
                      <th scope="row">${kind}</th>
                      ${STATUSES.map(
                        (state, index) => html`<td class="num" data-count=${`${kind} ${state}`} data-label=${state}>
                          <a href=${href([], { type: kind, status: state })} aria-label=${`${counts[kind][index]} ${state} ${kind} sagas`}>${counts[kind][index]}</a>
                        </td>`,
                      )}
                    </tr>`,
                  )}
                </tbody>
              </table>
            </${TableWrap}>`
          : null}
        <form class="filters" onSubmit=${this.filter}>
          <label>Type <select name="type" value=${type ?? ''}><option value="">any</option>${TYPES.map((kind) => html`<option value=${kind}>${kind}</option>`)}</select></label>
          <label>Status <select name="status" value=${status ?? ''}><option value="">any</option>${STATUSES.map((state) => html`<option value=${state}>${state}</option>`)}</select></label>
          <button type="submit" class="secondary">Show</button>
        </form>
        ${items && items.length === 0 ? html`<p class="empty">No saga${type || status ? ' of this type and status' : ' yet: place an order'}.</p>` : null}
        ${items && items.length > 0
          ? html`<${TableWrap} label="Newest sagas">
              <table class="sagas stacked">
                <thead><tr><th scope="col">Saga</th><th scope="col">Type</th><th scope="col">Status</th><th scope="col">Steps done</th><th scope="col">Started</th><th scope="col">Updated</th></tr></thead>
                <tbody>
                  ${items.map(
                    (saga) => html`<tr data-saga=${saga.id}>
                      <td data-label="Saga"><${SagaLink} id=${saga.id} /></td>
                      <td data-label="Type">${saga.type}</td>
                      <td data-label="Status"><${Status} value=${saga.status} /></td>
                      <td data-label="Steps done">${stepSummary(saga.steps)}</td>
                      <td data-label="Started"><${Time} at=${saga.startedAt} /></td>
                      <td data-label="Updated"><${Time} at=${saga.updatedAt} /></td>
                    </tr>`,
                  )}
                </tbody>
              </table>
            </${TableWrap}>`
          : null}
        ${nextCursor ? html`<button type="button" class="secondary" onClick=${this.more}>More sagas</button>` : null}
      </section>
    `;
  }
}
