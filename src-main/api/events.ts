/**
 * The event bus the Node side pushes to every connected UI (IPC windows and web-mode sockets alike).
 */
import type { ApiEvents, EventMessage, EventName } from './contract';

export type EventListener = (message: EventMessage) => void;

export class EventBus {
  private readonly listeners = new Set<EventListener>();

  emit<E extends EventName>(event: E, payload: ApiEvents[E]): void {
    const message = { event, payload } as EventMessage;
    for (const listener of [...this.listeners]) {
      try {
        listener(message);
      } catch (err) {
        // One broken transport (a closed socket) must not stop the others from hearing the event.
        console.error('[events] listener failed:', err);
      }
    }
  }

  /** Returns the unsubscribe function. */
  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get size(): number {
    return this.listeners.size;
  }
}
