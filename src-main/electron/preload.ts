/**
 * The preload (sandboxed, context-isolated). It exposes one function per contract method and an event
 * subscription, never ipcRenderer itself. Replies are passed through unchanged; the renderer's client
 * unwraps them, so field-level validation issues survive the context bridge (thrown Errors would not).
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
// Types only from the contract (erased): importing its values would bundle all of zod into the preload.
import type { EventMessage, Reply } from '../api/contract';
import { EVENT_CHANNEL, METHOD_NAMES } from '../api/method-names';

const methods: Record<string, (args: unknown) => Promise<Reply>> = {};
for (const name of METHOD_NAMES) {
  methods[name] = (args: unknown) => ipcRenderer.invoke(name, args) as Promise<Reply>;
}

contextBridge.exposeInMainWorld('dfer', {
  transport: 'ipc',
  methods,
  onEvent(listener: (message: EventMessage) => void): () => void {
    const wrapped = (_e: IpcRendererEvent, message: EventMessage) => listener(message);
    ipcRenderer.on(EVENT_CHANNEL, wrapped);
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, wrapped);
    };
  },
});
