/**
 * Binds the dispatcher to ipcMain: one channel per contract method (its name, `area:method`), each call
 * checked for its sender before it is dispatched. Replies use the contract's Reply format.
 */
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { methodNames, type Reply } from '../api/contract';
import type { Dispatch } from '../api/dispatch';

export function bindIpc(
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>,
  dispatch: Dispatch,
  isTrusted: (event: IpcMainInvokeEvent) => boolean,
): () => void {
  for (const method of methodNames) {
    ipcMain.handle(method, async (event, args: unknown): Promise<Reply> => {
      if (!isTrusted(event)) {
        return { ok: false, error: { code: 'forbidden', message: `${method}: sender is not the app's own page` } };
      }
      return dispatch(method, args, { transport: 'ipc' });
    });
  }
  return () => {
    for (const method of methodNames) ipcMain.removeHandler(method);
  };
}
