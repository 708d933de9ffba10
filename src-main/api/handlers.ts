/**
 * Implements every method of the contract over the services. Transports never call services directly:
 * they go through `createDispatcher(createHandlers(services))`.
 */
import os from 'node:os';
import pkg from '../../package.json';
import { initBackend, type BackendPreference } from '../engine/backend';
import { tf } from '../engine/tf';
import type { Workspace } from '../workspace/workspace';
import type { EventBus } from './events';
import type { Handlers } from './dispatch';
import type { SystemInfo } from './contract';

export interface Services {
  workspace: Workspace;
  events: EventBus;
  backendPreference?: BackendPreference;
}

export async function systemInfo(services: Services, transport: SystemInfo['transport']): Promise<SystemInfo> {
  const backend = await initBackend(services.backendPreference ?? 'auto');
  return {
    app: { name: 'DFER Workbench', version: pkg.version },
    versions: {
      node: process.versions.node,
      tfjs: tf.version.tfjs,
      electron: process.versions.electron ?? null,
      chrome: process.versions.chrome ?? null,
    },
    platform: process.platform,
    arch: process.arch,
    cpus: os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    workspace: services.workspace.root,
    transport,
    backend,
  };
}

export function createHandlers(services: Services): Handlers {
  return {
    'system:info': async (_args, ctx) => systemInfo(services, ctx.transport),
  };
}
