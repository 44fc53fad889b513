import { live } from '../lib/live.js';
import { parseRoute } from '../lib/router.js';
import { session } from '../lib/session.js';
import { Component, html } from '../lib/html.js';
import { EventDetail } from './event-detail.js';
import { EventTail } from './event-tail.js';
import { Overview } from './overview.js';
import { SagaTimeline } from './saga-timeline.js';
import { SignIn } from './sign-in.js';
import { StreamView } from './stream.js';
import { TimeTravel } from './time-travel.js';

const LIVE_WORDS = { off: 'Offline', connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…', stopped: 'Offline' };

const NAV = [
  { section: '', label: 'Overview' },
  { section: 'events', label: 'Event browser' },
  { section: 'time-travel', label: 'Time travel' },
];

/** The view for a route, keyed so that another id is another view (its own state, its own loading). */
const viewOf = ({ parts, params }) => {
  const [section, id] = parts;
  switch (section) {
    case undefined:
      return html`<${Overview} key="overview" params=${params} />`;
    case 'sagas':
      return id ? html`<${SagaTimeline} key=${`saga-${id}`} id=${id} /> ` : html`<${Overview} key="overview" params=${params} />`;
    case 'events':
      return id ? html`<${EventDetail} key=${`event-${id}`} position=${id} />` : html`<${EventTail} key=${`tail-${JSON.stringify(params)}`} params=${params} />`;
    case 'streams':
      return html`<${StreamView} key=${`stream-${id}-${JSON.stringify(params)}`} stream=${id ?? ''} params=${params} />`;
    case 'time-travel':
      return html`<${TimeTravel} key=${`travel-${params.kind}-${params.id}`} params=${params} />`;
    default:
      return html`<main id="main" class="page"><h1 tabindex="-1" id="view-heading">Not found</h1><p>No view at this address. <a href="#/">Back to the overview</a>.</p></main>`;
  }
};

export class App extends Component {
  state = { route: parseRoute(location.hash), signedIn: session.token() !== null, live: live.status };

  componentDidMount() {
    this.stops = [
      session.onChange(() => this.setState({ signedIn: session.token() !== null })),
      live.onStatus((status) => this.setState({ live: status })),
    ];
    const onHash = () => this.setState({ route: parseRoute(location.hash) });
    window.addEventListener('hashchange', onHash);
    this.stops.push(() => window.removeEventListener('hashchange', onHash));
    if (this.state.signedIn) void live.start();
    this.focusHeading();
  }

  componentWillUnmount() {
    for (const stop of this.stops) stop();
  }

  componentDidUpdate(_props, previous) {
    if (previous.signedIn !== this.state.signedIn) {
      if (this.state.signedIn) void live.start();
      else live.stop();
      this.focusHeading();
    } else if (previous.route.parts.join('/') !== this.state.route.parts.join('/')) this.focusHeading();
  }

  /** A new view starts at its heading, for keyboard and screen-reader users alike. */
  focusHeading() {
    requestAnimationFrame(() => document.getElementById('view-heading')?.focus({ preventScroll: false }));
  }

  render(_props, { route, signedIn, live: liveStatus }) {
    if (!signedIn) return html`<${SignIn} />`;
    const section = route.parts[0] === 'sagas' ? '' : (route.parts[0] ?? '');
    return html`
      <a class="skip" href="#main" onClick=${(event) => (event.preventDefault(), document.getElementById('view-heading')?.focus())}>Skip to content</a>
      <header class="top">
        <a class="brand" href="#/">ledgerflow <span>console</span></a>
        <nav aria-label="Views">
          <ul>
            ${NAV.map(
              (item) => html`<li><a href=${`#/${item.section}`} aria-current=${item.section === section ? 'page' : undefined}>${item.label}</a></li>`,
            )}
          </ul>
        </nav>
        <div class="session">
          <span class=${`live live-${liveStatus}`} role="status" title="server-sent events of $all">${LIVE_WORDS[liveStatus] ?? liveStatus}</span>
          <button type="button" class="secondary" onClick=${() => session.end('You signed out.')}>Sign out</button>
        </div>
      </header>
      ${viewOf(route)}
    `;
  }
}
