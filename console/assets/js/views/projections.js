import { api } from '../lib/api.js';
import { count, duration } from '../lib/format.js';
import { Component, html } from '../lib/html.js';
import { reloadOnEvents } from '../lib/live.js';
import { Problem, Status, TableWrap } from './parts.js';

/** How often a running rebuild is asked how far it has come (its progress is not an event of $all). */
const REBUILD_POLL_MS = 200;

const Progress = ({ name, rebuild }) => {
  const done = Number(rebuild.eventsDone);
  const total = Number(rebuild.eventsTotal);
  return html`<div class="rebuild-progress">
    <progress max=${Math.max(total, 1)} value=${Math.min(done, Math.max(total, 1))} aria-label=${`rebuild of ${name}`}></progress>
    <span>${count(rebuild.eventsDone)} of ${count(rebuild.eventsTotal)} events</span>
  </div>`;
};

/** The read models: position, lag and status, live; a rebuild beside the live one, with its progress. */
export class Projections extends Component {
  state = { items: null, error: null, asked: {}, finished: {} };

  componentDidMount() {
    void this.load();
    this.stopLive = reloadOnEvents(() => true, () => this.load(), 1000);
  }

  componentWillUnmount() {
    this.stopLive();
    clearTimeout(this.poll);
    this.unmounted = true;
  }

  load = async () => {
    try {
      const { body } = await api('/api/v1/projections');
      if (this.unmounted) return;
      this.settle(body.items);
    } catch (error) {
      if (!this.unmounted) this.setState({ error });
    }
  };

  /** Takes a fresh answer; notes rebuilds that finished; keeps asking while one runs. */
  settle(items) {
    const finished = { ...this.state.finished };
    const asked = { ...this.state.asked };
    for (const item of items)
      if (asked[item.name] !== undefined && item.rebuild === null && item.status !== 'rebuilding') {
        finished[item.name] = `Rebuilt and swapped in after ${duration(Date.now() - asked[item.name])}.`;
        delete asked[item.name];
      }
    this.setState({ items, error: null, asked, finished });
    clearTimeout(this.poll);
    if (items.some((item) => item.rebuild !== null || item.status === 'rebuilding')) this.poll = setTimeout(this.load, REBUILD_POLL_MS);
  }

  rebuild = async (name) => {
    const { [name]: _done, ...finished } = this.state.finished;
    this.setState({ asked: { ...this.state.asked, [name]: Date.now() }, finished, error: null });
    try {
      const { body } = await api(`/api/v1/projections/${encodeURIComponent(name)}/rebuild`, { method: 'POST' });
      if (this.unmounted) return;
      this.settle(this.state.items.map((item) => (item.name === name ? body : item)));
    } catch (error) {
      const { [name]: _asked, ...asked } = this.state.asked;
      this.setState({ error, asked });
    }
  };

  render(_props, { items, error, finished }) {
    const head = items?.reduce((max, item) => {
      const at = BigInt(item.position) + BigInt(item.lag);
      return at > max ? at : max;
    }, 0n);
    return html`
      <section class="panel" aria-labelledby="projections-heading">
        <h2 id="projections-heading">Projections</h2>
        ${items ? html`<p class="muted small">Head of $all: position ${count(head ?? 0n)}. Lag is how far behind it a read model is.</p>` : null}
        <${Problem} error=${error} />
        ${items === null
          ? null
          : html`<${TableWrap} label="Projections">
              <table class="projections stacked">
                <thead><tr><th scope="col">Read model</th><th scope="col">Status</th><th scope="col" class="num">Position</th><th scope="col" class="num">Lag</th><th scope="col">Rebuild</th></tr></thead>
                <tbody>
                  ${items.map(
                    (item) => html`<tr data-projection=${item.name}>
                      <th scope="row" class="mono">${item.name}</th>
                      <td data-label="Status"><${Status} value=${item.status} /></td>
                      <td class="num" data-label="Position">${count(item.position)}</td>
                      <td class="num" data-label="Lag">${count(item.lag)}</td>
                      <td class="rebuild">
                        ${item.rebuild ? html`<${Progress} name=${item.name} rebuild=${item.rebuild} />` : null}
                        ${item.rebuild ? null : html`<button type="button" class="secondary" onClick=${() => this.rebuild(item.name)} aria-label=${`Rebuild ${item.name}`}>Rebuild</button>`}
                        ${finished[item.name] ? html`<p class="done small" role="status">${finished[item.name]}</p>` : null}
                      </td>
                    </tr>`,
                  )}
                </tbody>
              </table>
            </${TableWrap}>`}
      </section>
    `;
  }
}
