// The admin's access token, kept for this tab only (sessionStorage): closing the tab signs out, and no other tab or
// later visit can read it.
const KEY = 'ledgerflow.console.token';
const listeners = new Set();

const decode = (token) => {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(payload.padEnd(payload.length + ((4 - (payload.length % 4)) % 4), '=')));
  } catch {
    return null;
  }
};

/** Why the session ended last, shown on the sign-in form. */
let endedBecause = null;

export const session = {
  token() {
    const token = sessionStorage.getItem(KEY);
    if (token === null) return null;
    const claims = decode(token);
    if (claims === null || (typeof claims.exp === 'number' && claims.exp * 1000 <= Date.now())) {
      session.end('Your session has expired: sign in again.');
      return null;
    }
    return token;
  },
  /** The signed-in admin's claims (`sub`, `roles`, `exp`), or null. */
  claims() {
    const token = session.token();
    return token === null ? null : decode(token);
  },
  start(token) {
    endedBecause = null;
    sessionStorage.setItem(KEY, token);
    for (const listener of listeners) listener();
  },
  end(reason = null) {
    const had = sessionStorage.getItem(KEY) !== null;
    sessionStorage.removeItem(KEY);
    endedBecause = reason;
    if (had) for (const listener of listeners) listener();
  },
  endedBecause: () => endedBecause,
  /** Calls `listener` whenever the session starts or ends; answers the unsubscribe. */
  onChange(listener) {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  rolesOf: (token) => decode(token)?.roles ?? [],
};
