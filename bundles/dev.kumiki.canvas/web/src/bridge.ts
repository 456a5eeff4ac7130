import type { Command, Event, Reply } from './protocol';

export interface Bridge {
  send(command: Command): Promise<Reply>;
  onEvent(listener: (event: Event) => void): void;
  /** Where the canvas runs: the Studio's editor or a plain browser (kumiki serve). */
  host: 'studio' | 'browser';
  /** Why this page cannot edit (it was opened without the token), if so. */
  problem?: string;
}

declare global {
  interface Window {
    kumikiSend?: (json: string) => string;
    kumikiReceive?: (json: string) => void;
  }
}

/** Connects to Kumiki: through the Studio's BrowserFunction when there is one, else over HTTP to kumiki serve. */
export function connect(): Bridge {
  const listeners: ((e: Event) => void)[] = [];
  const early: Event[] = []; // events that arrive before the canvas listens
  window.kumikiReceive = (json: string) => {
    const event = JSON.parse(json) as Event;
    if (listeners.length === 0) {
      early.push(event);
    }
    listeners.forEach((l) => l(event));
  };
  const onEvent = (l: (e: Event) => void) => {
    listeners.push(l);
    early.splice(0).forEach(l);
  };
  // the Studio loads the canvas with ?host=studio; its BrowserFunction may appear only once the page has loaded
  if (new URLSearchParams(location.search).get('host') === 'studio' || typeof window.kumikiSend === 'function') {
    const bridgeReady = async () => {
      for (let i = 0; typeof window.kumikiSend !== 'function' && i < 200; i++) {
        await new Promise((r) => setTimeout(r, 25));
      }
      if (typeof window.kumikiSend !== 'function') {
        throw new Error('the Studio bridge (kumikiSend) is not there');
      }
      return window.kumikiSend;
    };
    return {
      host: 'studio',
      send: async (command) => JSON.parse((await bridgeReady())(JSON.stringify(command))) as Reply,
      onEvent,
    };
  }
  const key = token();
  if (!key) {
    return {
      host: 'browser',
      send: async () => ({ ok: false, message: NO_TOKEN }),
      onEvent,
      problem: NO_TOKEN,
    };
  }
  const events = new EventSource('api/events?token=' + encodeURIComponent(key));
  events.onmessage = (m) => window.kumikiReceive?.(m.data);
  events.onopen = () => void post({ type: 'hello' });
  async function post(command: Command): Promise<Reply> {
    const response = await fetch('api/command', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Kumiki-Token': key },
      body: JSON.stringify(command),
    });
    const text = await response.text();
    try {
      return JSON.parse(text) as Reply;
    } catch {
      return { ok: false, message: `Kumiki answered ${response.status}: ${text}` };
    }
  }
  return { host: 'browser', send: post, onEvent };
}

const NO_TOKEN =
  'This page was opened without its token. Open the address kumiki serve printed when it started ' +
  '(http://127.0.0.1:PORT/?token=…): only that page may edit the pipeline.';

/**
 * The secret of this `kumiki serve` start: the address it prints carries it (?token=…). The page keeps it for this
 * tab (session storage, so a reload still works) and takes it out of the address bar, so it is not bookmarked, shared
 * in a screenshot or sent on as a referrer. Commands carry it in a header, which no other site's page can set.
 */
function token(): string {
  const params = new URLSearchParams(location.search);
  const given = params.get('token');
  if (given) {
    sessionStorage.setItem('kumiki-token', given);
    params.delete('token');
    const rest = params.toString();
    history.replaceState(history.state, '', location.pathname + (rest ? '?' + rest : '') + location.hash);
    return given;
  }
  return sessionStorage.getItem('kumiki-token') ?? '';
}
