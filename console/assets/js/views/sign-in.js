import { signIn } from '../lib/api.js';
import { session } from '../lib/session.js';
import { Component, html } from '../lib/html.js';
import { Problem } from './parts.js';

/** The admin signs in on the page: POST /api/v1/auth/token; the token is kept for this tab (sessionStorage). */
export class SignIn extends Component {
  state = { email: '', password: '', busy: false, error: null };

  submit = async (event) => {
    event.preventDefault();
    this.setState({ busy: true, error: null });
    try {
      await signIn(this.state.email.trim(), this.state.password);
    } catch (error) {
      this.setState({ busy: false, error, password: '' });
    }
  };

  render(_props, { email, password, busy, error }) {
    const ended = session.endedBecause();
    return html`
      <main class="sign-in" id="main">
        <h1 tabindex="-1" id="view-heading">ledgerflow console</h1>
        <p>Sagas, projections, events and every resource as it stood. Sign in as an admin.</p>
        ${ended && !error ? html`<p class="notice" role="status">${ended}</p>` : null}
        <form onSubmit=${this.submit} class="stack">
          <label for="email">Email</label>
          <input id="email" name="email" type="email" autocomplete="username" required value=${email} onInput=${(e) => this.setState({ email: e.currentTarget.value })} />
          <label for="password">Password</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required value=${password} onInput=${(e) => this.setState({ password: e.currentTarget.value })} />
          <button type="submit" disabled=${busy}>${busy ? 'Signing in…' : 'Sign in'}</button>
          <${Problem} error=${error} />
        </form>
        <p class="muted small">The token stays in this tab only and is sent to this server alone; closing the tab signs you out.</p>
      </main>
    `;
  }
}
