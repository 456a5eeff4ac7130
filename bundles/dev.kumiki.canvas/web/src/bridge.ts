import type { Command, Event, Reply } from './protocol';

export interface Bridge {
  send(command: Command): Promise<Reply>;
  onEvent(listener: (event: Event) => void): void;
  /** Where the canvas runs: the Studio's editor or a plain browser (kumiki serve). */
  host: 'studio' | 'browser';
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
  const events = new EventSource('api/events');
  events.onmessage = (m) => window.kumikiReceive?.(m.data);
  events.onopen = () => void post({ type: 'hello' });
  async function post(command: Command): Promise<Reply> {
    const response = await fetch('api/command', { method: 'POST', body: JSON.stringify(command) });
    return (await response.json()) as Reply;
  }
  return { host: 'browser', send: post, onEvent };
}
