import * as path from 'path';
import { nameForWorkspace, sandboxName } from './names';
import { EMPTY_SPEC_EXTRAS, type SandboxSpec } from './types';

/** A dev shell from an image (the Images tree's "Open in sandbox"), with the workspace mounted when there is one. */
export function imageSpec(image: string, workspaceFolder?: string): SandboxSpec {
  const ws = workspaceFolder ? path.resolve(workspaceFolder) : undefined;
  const target = ws ? `/workspaces/${path.basename(ws)}` : undefined;
  return {
    name: sandboxName(
      image
        .replace(/[:@].*$/, '')
        .split('/')
        .pop() ?? 'image',
      `${image}|${ws ?? ''}|${ws ? nameForWorkspace(ws) : ''}`,
    ),
    source: { kind: 'image', label: image },
    containers: [
      {
        name: 'dev',
        image,
        keepAlive: true,
        env: {},
        ports: [],
        limits: { pids: 1024 },
        ...(target ? { workingDir: target } : {}),
      },
    ],
    ...(ws && target ? { workspace: { hostPath: ws, target, readonly: false } } : {}),
    ...EMPTY_SPEC_EXTRAS,
    notes: [],
  };
}
