// The backend's events (onProgress, onLog): services emit, each transport subscribes.
import type { EventListener, EventName, Events, EventSource } from '../../shared/contract.ts';

export interface EventHub extends EventSource {
  emit<E extends EventName>(event: E, payload: Events[E]): void;
}

export function createEventHub(): EventHub {
  const listeners = new Map<EventName, Set<(payload: never) => void>>();
  return {
    subscribe<E extends EventName>(event: E, listener: EventListener<E>): () => void {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener);
      return () => {
        set.delete(listener);
      };
    },
    emit<E extends EventName>(event: E, payload: Events[E]): void {
      for (const l of [...(listeners.get(event) ?? [])]) {
        // One failing transport (a closed window) must not stop the others from hearing it.
        try {
          (l as EventListener<E>)(payload);
        } catch {
          /* ignored on purpose */
        }
      }
    },
  };
}
